"""The plugin's scrubbing keeps cassettes intact: bodies byte for byte (a PDF label, gzip and
deflate answers scrubbed inside and compressed again), and every interaction with a host
that is not Walmart's saved exactly as recorded. A seller's suite runs for real (in this
process, see ``seller_suite``): pytest-recording, VCR.py, httpx and requests, the emulator
standing in for Walmart over HTTPS, and a plain loopback server for the other host; then it
replays."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.verify.hosts import DEFAULT_HOSTS
from migrate.verify.recording import scrubbed_hosts
from tests.keys import KeyPair
from tests.verify.seller_suite import run_in_process

CLIENT_ID, CLIENT_SECRET = "bodies-client-id", "bodies-client-secret-7e6d5c4b3a"
# A PDF label: a header, then bytes that are not UTF-8 - the plain-text scrub used to turn
# them into U+FFFD.
PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 9 >>\nstream\n\x00\xff\xfe\x80\x81BT\n"
       b"endstream\n%%EOF\n")

SUITE = '''
import gzip
import json
import threading
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import requests
import shim

BASE = "https://marketplace.walmartapis.com"
PDF = {pdf!r}
SECRET = {secret!r}


def headers():
    return {{"WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": str(uuid.uuid4())}}


class Other(BaseHTTPRequestHandler):
    """Another company's API: a PDF, a gzip answer, and text that merely looks secret."""

    def do_GET(self):
        if self.path == "/label.pdf":
            body, extra = PDF, [("Content-Type", "application/pdf")]
        elif self.path == "/rates":
            body = gzip.compress(json.dumps({{"rate": 4.5, "note": SECRET}}).encode(), mtime=0)
            extra = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        else:
            body, extra = SECRET.encode(), [("Content-Type", "text/plain")]
        self.send_response(200)
        for name, value in extra + [("Content-Length", str(len(body)))]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def vcr_config():
    return {{"match_on": ["method", "scheme", "host", "path", "query"]}}  # the port is new each run


@pytest.fixture(scope="session")
def other():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Other)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{{server.server_address[1]}}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def gateway(request):
    if request.config.getoption("--record-mode") == "none":
        return None
    return request.getfixturevalue("walmart_emulator")


@pytest.mark.vcr
def test_walmart_bodies(gateway):
    with httpx.Client(auth=shim.WalmartAuth(), headers=headers()) as client:
        token = client.get(BASE + "/v3/orders?limit=1").request.headers["WM_SEC.ACCESS_TOKEN"]
        if gateway is not None:
            gateway.register("GET", "/v3/shipping/labels/1", body=PDF,
                             headers=[("Content-Type", "application/pdf")])
            echo = json.dumps({{"access_token": token, "note": "echoed"}}).encode()
            gateway.register("GET", "/v3/feeds/gz", body=gzip.compress(echo),
                             headers=[("Content-Type", "application/json"),
                                      ("Content-Encoding", "gzip")])
            gateway.register("GET", "/v3/feeds/deflate", body=zlib.compress(echo),
                             headers=[("Content-Type", "application/json"),
                                      ("Content-Encoding", "deflate")])
        assert client.get(BASE + "/v3/shipping/labels/1").content == PDF
        # httpx's recording keeps the compressed bytes...
        for path in ("/v3/feeds/gz", "/v3/feeds/deflate"):
            assert client.get(BASE + path).json()["note"] == "echoed"
    # ...requests' keeps the decoded body under the same Content-Encoding header.
    session = requests.Session()
    session.auth = shim.WalmartRequestsAuth()
    answer = session.get(BASE + "/v3/feeds/gz?via=requests", headers=headers(), timeout=30)
    assert answer.json()["note"] == "echoed"


@pytest.mark.vcr
def test_other_hosts(other):
    assert httpx.get(other + "/label.pdf").content == PDF
    assert httpx.get(other + "/rates").json()["note"] == SECRET
    assert httpx.get(other + "/notes").text == SECRET
'''


def _interactions(path: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text())["interactions"])


def _body(interaction: dict[str, Any], side: str = "response") -> bytes:
    body = interaction[side]["body"]
    raw = body.get("string", b"") if isinstance(body, dict) else body
    return raw if isinstance(raw, bytes) else (raw or "").encode("utf-8")


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("WALMART_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("WALMART_CLIENT_SECRET", CLIENT_SECRET)
    for variable in ("WALMART_ENV", "WALMART_AUTH_MODE", "WALMART_CONSUMER_ID",
                     "WALMART_PRIVATE_KEY"):
        monkeypatch.delenv(variable, raising=False)
    pytester.makepyfile(test_bodies=SUITE.format(pdf=PDF, secret=CLIENT_SECRET))
    return pytester


def test_walmart_bodies_are_scrubbed_inside_and_kept_byte_for_byte(suite: pytest.Pytester,
                                                                   seller_key: KeyPair) -> None:
    run_in_process(suite, "--record-mode=once", "-k", "walmart").assert_outcomes(passed=1)
    recorded = _interactions(next(suite.path.rglob("test_walmart_bodies.yaml")))
    by_path = {i["request"]["uri"].split("walmartapis.com", 1)[1]: i for i in recorded}
    assert _body(by_path["/v3/shipping/labels/1"]) == PDF
    echoed = b'{"access_token": "<WALMART-TOKEN-1>", "note": "echoed"}'
    assert gzip.decompress(_body(by_path["/v3/feeds/gz"])) == echoed
    assert zlib.decompress(_body(by_path["/v3/feeds/deflate"])) == echoed
    assert _body(by_path["/v3/feeds/gz?via=requests"]) == echoed
    assert CLIENT_SECRET not in "".join(str(i) for i in recorded)
    # What was saved replays: the PDF and both compressed answers read back as recorded.
    run_in_process(suite, "--record-mode=none", "-k", "walmart").assert_outcomes(passed=1)


def test_other_hosts_are_saved_exactly_as_recorded(suite: pytest.Pytester) -> None:
    run_in_process(suite, "--record-mode=once", "-k", "other").assert_outcomes(passed=1)
    recorded = _interactions(next(suite.path.rglob("test_other_hosts.yaml")))
    assert [_body(i) for i in recorded] == [
        PDF,
        gzip.compress(b'{"rate": 4.5, "note": "' + CLIENT_SECRET.encode() + b'"}', mtime=0),
        CLIENT_SECRET.encode()]
    run_in_process(suite, "--record-mode=none", "-k", "other").assert_outcomes(passed=1)


@pytest.mark.parametrize("where", ["command-line", "ini"])
def test_the_configured_emulator_is_scrubbed(suite: pytest.Pytester, where: str) -> None:
    """Named on the command line or in the ini file, the loopback host is scrubbed like
    Walmart's."""
    flags = ["--walmart-host", "127.0.0.1"] if where == "command-line" else []
    if where == "ini":
        suite.makeini("[pytest]\nwalmart_hosts =\n    127.0.0.1\n")
    run_in_process(suite, "--record-mode=once", "-k", "other", *flags).assert_outcomes(passed=1)
    recorded = _interactions(next(suite.path.rglob("test_other_hosts.yaml")))
    assert _body(recorded[0]) == PDF
    assert gzip.decompress(_body(recorded[1])) == b'{"rate": 4.5, "note": "<WALMART-SECRET-1>"}'
    assert _body(recorded[2]) == b"<WALMART-SECRET-1>"


def test_the_gateway_walmart_env_names_is_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALMART_ENV", "http://127.0.0.1:8080/")
    assert "127.0.0.1:8080" in scrubbed_hosts()
    monkeypatch.setenv("WALMART_ENV", "sandbox")  # a name: its host is Walmart's already
    assert scrubbed_hosts() == DEFAULT_HOSTS

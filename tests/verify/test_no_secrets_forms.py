"""``no-secrets`` finds a secret in whatever form it was recorded: percent-encoded,
JSON-escaped, in URL user info, in Proxy-Authorization, as unpadded or tab-separated Basic
credentials, inside base64, a key with escaped line breaks, and raw tokens in namespaced
XML, gzip answers, API response bodies and query strings.

Each cassette is recorded for real (VCR.py around httpx or requests, against the emulator on
a loopback socket); the known secrets come from the environment, as in CI."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import vcr

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from tests.keys import KeyPair

CLIENT_ID = "forms-client-id"
# Characters that percent-encoding, form encoding and JSON escaping all change.
SECRET = "Zq8/vT+2kR=x!9 Lm#p&Wd"
PLACEHOLDER = "<WALMART-TOKEN-1>"

@dataclass
class Plant:
    """What a case needs: the recording client, the gateway, the seller's key, a real token
    fetched before recording (so it is in the cassette only where a case puts it), and one
    to send that is scrubbed from the cassette afterwards, as the plugin would."""

    client: httpx.Client
    server: EmulatorServer
    key: KeyPair
    token: str
    sent: str


Calls = Callable[[Plant], None]


@pytest.fixture
def gateway() -> Iterator[EmulatorServer]:
    client = ClientConfig(name="forms", client_id=CLIENT_ID, client_secret=SECRET)
    with EmulatorServer(Emulator(EmulatorConfig(clients=[client]))) as running:
        yield running


def _headers(**extra: str) -> dict[str, str]:
    return {"WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
            "WM_SEC.ACCESS_TOKEN": PLACEHOLDER, "Accept": "application/json", **extra}


def _basic(pair: str = f"{CLIENT_ID}:{SECRET}") -> str:
    return base64.b64encode(pair.encode()).decode()


def _real_token(server: EmulatorServer) -> str:
    answer = httpx.post(server.url + "/v3/token", auth=(CLIENT_ID, SECRET), timeout=10,
                        data={"grant_type": "client_credentials"}, headers=_headers())
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def query_percent_encoded(plant: Plant) -> None:
    plant.client.get("/v3/orders", params={"debug": SECRET}, headers=_headers())


def client_secret_post(plant: Plant) -> None:
    plant.client.post("/v3/token", headers=_headers(), data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET})


def url_user_info(plant: Plant) -> None:
    # httpx keeps the user info in the URL it records (and sends it as Basic credentials).
    url = plant.server.url.replace("://", f"://{CLIENT_ID}:{quote(SECRET, safe='')}@")
    plant.client.get(url + "/v3/orders", headers=_headers())


def json_escaped(plant: Plant) -> None:
    escaped = SECRET.replace("/", "\\/").replace("!", "\\u0021").replace("#", "\\u0023")
    plant.client.post("/v3/feeds", headers=_headers(**{"Content-Type": "application/json"}),
                content='{"note": "' + escaped + '"}')


def proxy_authorization(plant: Plant) -> None:
    plant.client.get("/v3/orders", headers=_headers(**{"Proxy-Authorization": "Basic " + _basic()}))


def unpadded_basic(plant: Plant) -> None:
    assert _basic().endswith("=")
    plant.client.get("/v3/orders", headers=_headers(Authorization="Basic " + _basic().rstrip("=")))


def tab_separated_basic(plant: Plant) -> None:
    plant.client.get("/v3/orders", headers=_headers(Authorization="Basic\t" + _basic()))


def base64_in_body(plant: Plant) -> None:
    blob = base64.b64encode(f"settings: secret={SECRET}; region=us".encode()).decode()
    plant.client.post("/v3/feeds", headers=_headers(), json={"attachment": blob})


def key_with_escaped_newlines(plant: Plant) -> None:
    wrapped = "\\n".join(textwrap.wrap(plant.key.bare_base64, 64))
    plant.client.post("/v3/feeds", headers=_headers(), content='{"key": "' + wrapped + '"}')


def namespaced_xml_answer(plant: Plant) -> None:
    token = plant.token
    plant.server.emulator.register("POST", "/v3/token", headers=[("Content-Type", "application/xml")],
                             body=f'<ns2:OAuthTokenDTO xmlns:ns2="http://walmart.com/">'
                                  f"<ns2:accessToken>{token}</ns2:accessToken>"
                                  "<ns2:tokenType>Bearer</ns2:tokenType>"
                                  "<ns2:expiresIn>900</ns2:expiresIn></ns2:OAuthTokenDTO>")
    plant.client.post("/v3/token", headers={**_headers(), "Authorization": "Basic <WALMART-BASIC-1>"},
                data={"grant_type": "client_credentials"})


def gzip_answer(plant: Plant) -> None:
    answer = json.dumps({"access_token": plant.token, "token_type": "Bearer",
                         "expires_in": 900}).encode()
    plant.server.emulator.register("POST", "/v3/token", body=gzip.compress(answer),
                             headers=[("Content-Type", "application/json"),
                                      ("Content-Encoding", "gzip")])
    plant.client.post("/v3/token", headers={**_headers(), "Authorization": "Basic <WALMART-BASIC-1>"},
                data={"grant_type": "client_credentials"})


def token_in_api_answer(plant: Plant) -> None:
    plant.server.emulator.register("GET", "/v3/items", json={"debug": {"seen": plant.token}})
    plant.client.get("/v3/items", headers=_headers(**{"WM_SEC.ACCESS_TOKEN": plant.sent}))


def token_in_query(plant: Plant) -> None:
    plant.client.get("/v3/orders", params={"access_token": plant.token}, headers=_headers())


CASES: list[tuple[Calls, str]] = [
    (query_percent_encoded, "known client secret or key (sha256:"),
    (client_secret_post, "known client secret or key (sha256:"),
    (url_user_info, "credentials in the URL's user info"),
    (json_escaped, "known client secret or key (sha256:"),
    (proxy_authorization, f"Basic credentials of client '{CLIENT_ID}'"),
    (unpadded_basic, f"Basic credentials of client '{CLIENT_ID}'"),
    (tab_separated_basic, f"Basic credentials of client '{CLIENT_ID}'"),
    (base64_in_body, "known client secret or key (sha256:"),
    (key_with_escaped_newlines, "a private key in the request body"),
    (namespaced_xml_answer, "a raw access token (sha256:"),
    (gzip_answer, "a raw access token (sha256:"),
    (token_in_api_answer, "a raw access token (sha256:"),
    (token_in_query, "a raw access token (sha256:"),
]


def _no_secrets(path: Path, key: KeyPair) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WALMART_CLIENT_SECRET": SECRET, "WALMART_PRIVATE_KEY": key.bare_base64}
    return subprocess.run([sys.executable, "-m", "migrate", "verify", "--only", "no-secrets",
                           str(path)], capture_output=True, text=True, timeout=60, env=env)


def _record(path: Path, gateway: EmulatorServer, key: KeyPair, calls: Calls) -> tuple[Path, str]:
    token, sent = _real_token(gateway), _real_token(gateway)
    with vcr.use_cassette(str(path)), httpx.Client(base_url=gateway.url, timeout=10) as client:
        calls(Plant(client, gateway, key, token, sent))
    path.write_text(path.read_text().replace(sent, PLACEHOLDER))
    return path, token


@pytest.mark.parametrize(("calls", "expected"), CASES, ids=[c.__name__ for c, _ in CASES])
def test_a_secret_is_found_in_any_form(gateway: EmulatorServer, tmp_path: Path,
                                       seller_key: KeyPair, calls: Calls, expected: str) -> None:
    path, token = _record(tmp_path / "planted.yaml", gateway, seller_key, calls)
    result = _no_secrets(path, seller_key)
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected in result.stdout, result.stdout
    shown = result.stdout + result.stderr
    for form in (SECRET, quote(SECRET, safe=""), quote(SECRET), _basic(), token):
        assert form not in shown


def test_a_scrubbed_recording_passes(gateway: EmulatorServer, tmp_path: Path,
                                     seller_key: KeyPair) -> None:
    def clean(plant: Plant) -> None:
        plant.client.get("/v3/orders", params={"limit": "2"}, headers=_headers())
        plant.client.post("/v3/feeds", headers=_headers(), json={"sku": "CAST-IRON-10", "blob": "aGVsbG8="})

    path, _ = _record(tmp_path / "clean.yaml", gateway, seller_key, clean)
    result = _no_secrets(path, seller_key)
    assert result.returncode == 0, result.stdout + result.stderr

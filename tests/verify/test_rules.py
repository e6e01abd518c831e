"""The rules over cassettes recorded for real against the emulator: a clean migrated cassette
passes; each planted fault fails with a message naming the cassette, interaction and rule."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx
import pytest
import vcr

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from migrate.verify.cassette import Cassette, CassetteError, load_cassette
from migrate.verify.rules import VerifyContext, Violation, check_cassette
from migrate.verify.scrub import Scrubber
from tests.keys import KeyPair
from tests.verify.recordings import (
    CLIENT_ID,
    CLIENT_SECRET,
    record_legacy,
    record_migrated_httpx,
    record_migrated_requests,
    service_headers,
    token,
)

ALL_BUT_SECRETS = ("token-present", "token-issued", "token-fresh", "no-legacy-headers", "svc-name",
                   "correlation-id", "token-request-shape", "no-bearer")


def _scrubbed(path: Path) -> Cassette:
    """The cassette as the plugin's persister would have saved it."""
    import yaml

    scrubber = Scrubber((CLIENT_SECRET,))
    data = yaml.safe_load(path.read_text()) if path.suffix == ".yaml" else \
        __import__("json").loads(path.read_text())
    for interaction in data["interactions"]:
        response = scrubber.response(interaction["response"])
        interaction["response"] = response
    for interaction in data["interactions"]:
        headers = interaction["request"]["headers"]
        for name, values in headers.items():
            headers[name] = [scrubber.header(name, v) for v in values]
        body = interaction["request"]["body"]
        if isinstance(body, str):
            interaction["request"]["body"] = scrubber.text(body)
    path.write_text(yaml.safe_dump(data) if path.suffix == ".yaml" else __import__("json").dumps(data))
    return load_cassette(path)


def _rules(violations: list[Violation]) -> list[tuple[int | None, str]]:
    return [(v.index, v.rule) for v in violations]


@pytest.mark.parametrize("recorder", [record_migrated_httpx, record_migrated_requests],
                         ids=["httpx-yaml", "requests-json"])
def test_a_clean_migrated_cassette_passes_once_scrubbed(server: EmulatorServer, tmp_path: Path,
                                                         recorder: object) -> None:
    path = recorder(tmp_path / ("c.yaml" if recorder is record_migrated_httpx else "c.json"),  # type: ignore[operator]
                    server)
    raw = load_cassette(path)
    assert _rules(check_cassette(raw, VerifyContext(), ALL_BUT_SECRETS)) == []
    secrets = check_cassette(raw, VerifyContext(secrets=(CLIENT_SECRET,)), ("no-secrets",))
    assert {v.rule for v in secrets} == {"no-secrets"}  # raw tokens and Basic credentials
    clean = _scrubbed(path)
    assert check_cassette(clean, VerifyContext(secrets=(CLIENT_SECRET,))) == []
    assert "<WALMART-TOKEN-1>" in path.read_text()


def test_a_legacy_cassette_fails_with_the_right_messages(server: EmulatorServer, tmp_path: Path,
                                                         seller_key: KeyPair) -> None:
    cassette = load_cassette(record_legacy(tmp_path / "legacy.yaml", server, seller_key.private))
    found = check_cassette(cassette, VerifyContext())
    assert ("token-present" in {v.rule for v in found}) and ("no-legacy-headers" in {v.rule for v in found})
    legacy = next(v for v in found if v.rule == "no-legacy-headers")
    assert legacy.text().startswith(f"{cassette.path}: interaction 0 (GET {server.url}/v3/orders?limit=2)")
    assert "found WM_CONSUMER.ID, WM_SEC.TIMESTAMP, WM_SEC.AUTH_SIGNATURE" in legacy.message


def test_a_foreign_token(server: EmulatorServer, tmp_path: Path) -> None:
    with httpx.Client() as client:
        foreign = token(client, server.url)  # issued outside the recording
        with vcr.use_cassette(str(tmp_path / "foreign.yaml")):
            client.get(server.url + "/v3/orders", headers={**service_headers(),
                                                          "WM_SEC.ACCESS_TOKEN": foreign})
    found = check_cassette(load_cassette(tmp_path / "foreign.yaml"), VerifyContext(), ("token-issued",))
    assert _rules(found) == [(0, "token-issued")]
    assert "was not (issued earlier: none)" in found[0].message


def test_an_expired_token(seller_key: KeyPair, tmp_path: Path) -> None:
    client_config = ClientConfig(name="s", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    emulator = Emulator(EmulatorConfig(clients=[client_config], token_lifetime=1))
    with EmulatorServer(emulator) as server, vcr.use_cassette(str(tmp_path / "late.yaml")), \
            httpx.Client() as client:
        issued = token(client, server.url)
        time.sleep(2.2)  # Date headers have one-second resolution
        client.get(server.url + "/v3/orders", headers={**service_headers(), "WM_SEC.ACCESS_TOKEN": issued})
    found = check_cassette(load_cassette(tmp_path / "late.yaml"), VerifyContext(), ("token-fresh",))
    assert _rules(found) == [(1, "token-fresh")]
    assert "the one issued at interaction 0 expired" in found[0].message


def test_a_repeated_correlation_id_a_bearer_token_and_a_missing_service_name(
        server: EmulatorServer, tmp_path: Path) -> None:
    with vcr.use_cassette(str(tmp_path / "sloppy.yaml")), httpx.Client() as client:
        issued = token(client, server.url)
        headers = {**service_headers(), "WM_SEC.ACCESS_TOKEN": issued}
        client.get(server.url + "/v3/orders", headers=headers)
        client.get(server.url + "/v3/items", headers=headers)  # the same correlation id again
        client.get(server.url + "/v3/feeds", headers={"WM_QOS.CORRELATION_ID": "c-9",
                                                      "Authorization": f"Bearer {issued}",
                                                      "WM_SEC.ACCESS_TOKEN": issued})
    found = check_cassette(load_cassette(tmp_path / "sloppy.yaml"), VerifyContext(), ALL_BUT_SECRETS)
    assert _rules(found) == [(2, "correlation-id"), (3, "no-bearer"), (3, "svc-name")]
    assert "repeats the one of interaction 1" in found[0].message


def test_a_malformed_token_request(server: EmulatorServer, tmp_path: Path) -> None:
    with vcr.use_cassette(str(tmp_path / "shape.yaml")):
        httpx.post(server.url + "/v3/token", json={"grant_type": "password"},
                   headers=service_headers())
    found = check_cassette(load_cassette(tmp_path / "shape.yaml"), VerifyContext(),
                           ("token-request-shape",))
    assert _rules(found) == [(0, "token-request-shape")]
    assert found[0].message == ("expected Authorization: Basic; Content-Type: "
                                "application/x-www-form-urlencoded; a form body with "
                                "grant_type=client_credentials")


@pytest.mark.parametrize(("where", "expected"), [
    ("query", "in the query string"),
    ("request-body", "in the request body"),
    ("request-header", "in the request header X-Debug"),
    ("response-body", "in the response body"),
    ("pem-in-response-header", "a private key in the response header X-Key"),
    ("bare-key-in-request-body", "a private key in the request body"),
    ("basic", "Basic credentials of client 'verify-client-id' in the request header Authorization"),
])
def test_a_secret_planted_anywhere_is_caught(server: EmulatorServer, tmp_path: Path,
                                             seller_key: KeyPair, where: str, expected: str) -> None:
    path = tmp_path / "planted.yaml"
    with vcr.use_cassette(str(path)), httpx.Client() as client:
        issued = token(client, server.url)
        headers = {**service_headers(), "WM_SEC.ACCESS_TOKEN": issued}
        if where == "query":
            client.get(server.url + f"/v3/orders?debug={CLIENT_SECRET}", headers=headers)
        elif where == "request-body":
            client.post(server.url + "/v3/feeds", headers=headers, content=f"key={CLIENT_SECRET}")
        elif where == "request-header":
            client.get(server.url + "/v3/orders", headers={**headers, "X-Debug": CLIENT_SECRET})
        elif where == "bare-key-in-request-body":
            client.post(server.url + "/v3/feeds", headers=headers, content=seller_key.bare_base64)
        elif where == "basic":
            basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            client.get(server.url + "/v3/orders", headers={**headers, "Authorization": f"Basic {basic}"})
        else:
            server.emulator.register("GET", "/v3/items", json={"echo": CLIENT_SECRET},
                                     headers=[("X-Key", seller_key.pem.replace("\n", " "))])
            client.get(server.url + "/v3/items", headers=headers)
    # Scrub the token and the token request's credentials, so only the planted secret is left.
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    text = path.read_text().replace(issued, "<WALMART-TOKEN-1>")
    if where != "basic":
        text = text.replace(basic, "<WALMART-BASIC-1>")
    path.write_text(text)
    found = check_cassette(load_cassette(path), VerifyContext(secrets=(CLIENT_SECRET,)), ("no-secrets",))
    assert found, "the planted secret was not caught"
    assert any(expected.lower() in v.message.lower() for v in found), [v.message for v in found]


@pytest.mark.parametrize(("content", "message"), [
    ("interactions:\n- request:\n    method: GET\n    uri: http://x/v3/orders\n  response:\n    status: {co",
     "not valid YAML"),
    ("interactions:\n- request: {method: GET, uri: 'http://x/'}\n", "has no request or response"),
    ("just: [a, list]\n", "not a VCR.py cassette"),
    ("", "not a VCR.py cassette"),
])
def test_unreadable_cassettes_get_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(CassetteError) as caught:
        load_cassette(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_truncated_json_cassette(server: EmulatorServer, tmp_path: Path) -> None:
    path = record_migrated_requests(tmp_path / "cut.json", server)
    path.write_text(path.read_text()[:200])
    with pytest.raises(CassetteError, match="not valid JSON"):
        load_cassette(path)

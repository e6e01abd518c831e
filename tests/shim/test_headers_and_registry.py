"""access_token(), auth_headers() and the rollout switch, against the emulator."""

from __future__ import annotations

import asyncio
import base64
import uuid

import httpx
import pytest

import shim
from migrate.emulator import ClientConfig, EmulatorServer
from tests.conftest import CONSUMER_ID, SELLER_ID, SELLER_SECRET
from tests.keys import KeyPair
from tests.shim.conftest import token_requests

LEGACY = ("WM_CONSUMER.ID", "WM_SEC.TIMESTAMP", "WM_SEC.AUTH_SIGNATURE")


def _get(server: EmulatorServer, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(server.url + path, headers={**headers, "Accept": "application/json"})


def test_access_token_on_every_request_fetches_once(server: EmulatorServer) -> None:
    tokens = {shim.access_token(SELLER_ID, SELLER_SECRET, environment=server.url)
              for _ in range(200)}
    assert len(tokens) == 1
    assert token_requests(server) == 1


def test_access_token_reads_the_environment(server: EmulatorServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALMART_CLIENT_ID", SELLER_ID)
    monkeypatch.setenv("WALMART_CLIENT_SECRET", SELLER_SECRET)
    monkeypatch.setenv("WALMART_ENV", server.url)
    monkeypatch.setenv("WALMART_SVC_NAME", "Acme Orders")
    token = shim.access_token()
    assert server.emulator.issued_tokens()[0].token == token
    assert server.emulator.requests("/v3/token")[0].header("WM_SVC.NAME") == "Acme Orders"


def test_arguments_win_over_the_environment(server: EmulatorServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALMART_CLIENT_ID", "someone-else")
    monkeypatch.setenv("WALMART_CLIENT_SECRET", "their-secret")
    monkeypatch.setenv("WALMART_ENV", "sandbox")
    assert shim.access_token(SELLER_ID, SELLER_SECRET, environment=server.url)
    assert server.emulator.issued_tokens()[0].client_id == SELLER_ID


def test_a_changed_environment_is_seen_by_the_next_call(server: EmulatorServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    shim_client = server.emulator.add_client(
        ClientConfig(name="rotated", client_id="rotated-id", client_secret="rotated-secret"))
    monkeypatch.setenv("WALMART_ENV", server.url)
    monkeypatch.setenv("WALMART_CLIENT_ID", SELLER_ID)
    monkeypatch.setenv("WALMART_CLIENT_SECRET", SELLER_SECRET)
    first = shim.access_token()
    monkeypatch.setenv("WALMART_CLIENT_ID", shim_client.client_id or "")
    monkeypatch.setenv("WALMART_CLIENT_SECRET", shim_client.client_secret or "")
    second = shim.access_token()
    assert first != second


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("WALMART_ENV", "staging", "unknown Walmart environment"),
    ("WALMART_AUTH_MODE", "canary:150", "WALMART_AUTH_MODE='canary:150' is not valid"),
    ("WALMART_SEND_BASIC_AUTH", "maybe", "WALMART_SEND_BASIC_AUTH='maybe' is not valid"),
    ("WALMART_TOKEN_TIMEOUT", "ten", "WALMART_TOKEN_TIMEOUT='ten' is not a number"),
])
def test_bad_environment_values_are_named(monkeypatch: pytest.MonkeyPatch, variable: str,
                                          value: str, message: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(shim.ConfigurationError, match="^" + message.replace("(", r"\(")[:30]):
        shim.access_token("id", "secret")


def test_auth_headers_is_the_full_oauth_set(server: EmulatorServer) -> None:
    headers = shim.auth_headers(SELLER_ID, SELLER_SECRET, environment=server.url,
                                channel_type="chan-7", market="ca")
    assert set(headers) == {"WM_SEC.ACCESS_TOKEN", "WM_SVC.NAME", "WM_QOS.CORRELATION_ID",
                            "WM_CONSUMER.CHANNEL.TYPE", "WM_MARKET"}
    assert headers["WM_SVC.NAME"] == "Walmart Marketplace"
    assert uuid.UUID(headers["WM_QOS.CORRELATION_ID"])
    assert (headers["WM_CONSUMER.CHANNEL.TYPE"], headers["WM_MARKET"]) == ("chan-7", "ca")
    assert _get(server, "/v3/orders", headers).status_code == 200
    again = shim.auth_headers(SELLER_ID, SELLER_SECRET, environment=server.url)
    assert again["WM_QOS.CORRELATION_ID"] != headers["WM_QOS.CORRELATION_ID"]
    assert "WM_CONSUMER.CHANNEL.TYPE" not in again


def test_basic_auth_on_every_call_is_a_setting(server: EmulatorServer) -> None:
    plain = shim.auth_headers(SELLER_ID, SELLER_SECRET, environment=server.url)
    both = shim.auth_headers(SELLER_ID, SELLER_SECRET, environment=server.url,
                             send_basic_auth=True)
    assert "Authorization" not in plain
    expected = base64.b64encode(f"{SELLER_ID}:{SELLER_SECRET}".encode()).decode()
    assert both["Authorization"] == f"Basic {expected}"
    assert _get(server, "/v3/orders", both).status_code == 200


@pytest.mark.parametrize("key_form", ["bare_base64", "pem"])
def test_legacy_mode_signs_exactly_as_the_gateway_checks(server: EmulatorServer,
                                                         seller_key: KeyPair,
                                                         key_form: str) -> None:
    url = server.url + "/v3/inventory?sku=CAST-IRON-10"
    headers = shim.auth_headers(consumer_id=CONSUMER_ID, private_key=getattr(seller_key, key_form),
                                url=url, method="get", mode="legacy")
    assert set(LEGACY) <= set(headers)
    assert "WM_SEC.ACCESS_TOKEN" not in headers
    assert httpx.get(url, headers=headers).status_code == 200
    assert server.emulator.exchanges[-1].auth == "legacy"
    assert shim.rollout_counts() == {"oauth": 0, "legacy": 1, "fallback": 0}


def test_legacy_mode_from_the_environment(server: EmulatorServer, seller_key: KeyPair,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALMART_AUTH_MODE", "legacy")
    monkeypatch.setenv("WALMART_CONSUMER_ID", CONSUMER_ID)
    monkeypatch.setenv("WALMART_PRIVATE_KEY", seller_key.bare_base64)
    url = server.url + "/v3/orders"
    headers = shim.auth_headers(SELLER_ID, SELLER_SECRET, environment=server.url, url=url,
                                method="GET")
    assert httpx.get(url, headers=headers).status_code == 200
    assert token_requests(server) == 0


def test_legacy_mode_without_what_it_needs_names_it(seller_key: KeyPair) -> None:
    with pytest.raises(shim.ConfigurationError, match="legacy signing needs url, method"):
        shim.auth_headers(consumer_id=CONSUMER_ID, private_key=seller_key.pem, mode="legacy")


def test_a_malformed_private_key_is_a_clear_error() -> None:
    with pytest.raises(shim.ConfigurationError, match="neither bare base64 PKCS#8 nor PEM"):
        shim.auth_headers(consumer_id=CONSUMER_ID, private_key="not-a-key", url="https://x/v3/a",
                          method="GET", mode="legacy")


def test_canary_sends_about_its_share_on_oauth(server: EmulatorServer, seller_key: KeyPair) -> None:
    url = server.url + "/v3/orders"
    for _ in range(400):
        headers = shim.auth_headers(SELLER_ID, SELLER_SECRET, environment=server.url,
                                    consumer_id=CONSUMER_ID, private_key=seller_key.pem,
                                    url=url, method="GET", mode="canary:25")
        assert ("WM_SEC.ACCESS_TOKEN" in headers) != ("WM_SEC.AUTH_SIGNATURE" in headers)
    counts = shim.rollout_counts()
    assert counts["oauth"] + counts["legacy"] == 400
    assert 50 <= counts["oauth"] <= 150
    assert token_requests(server) == 1


def test_fallback_to_legacy_when_oauth_credentials_are_missing(server: EmulatorServer,
                                                                seller_key: KeyPair) -> None:
    url = server.url + "/v3/orders"
    headers = shim.auth_headers(environment=server.url, consumer_id=CONSUMER_ID,
                                private_key=seller_key.pem, url=url, method="GET",
                                legacy_fallback=True)
    assert httpx.get(url, headers=headers).status_code == 200
    assert shim.rollout_counts()["fallback"] == 1


def test_fallback_to_legacy_when_the_token_endpoint_is_down(server: EmulatorServer,
                                                            seller_key: KeyPair,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALMART_LEGACY_FALLBACK", "1")
    server.emulator.inject("error", "/v3/token", count=100, status=503)
    url = server.url + "/v3/orders"
    headers = shim.auth_headers(SELLER_ID, SELLER_SECRET, environment=server.url,
                                consumer_id=CONSUMER_ID, private_key=seller_key.pem,
                                url=url, method="GET", token_attempts=1)
    assert "WM_SEC.AUTH_SIGNATURE" in headers
    assert httpx.get(url, headers=headers).status_code == 200
    assert shim.rollout_counts() == {"oauth": 0, "legacy": 0, "fallback": 1}


def test_no_fallback_by_default(server: EmulatorServer, seller_key: KeyPair) -> None:
    with pytest.raises(shim.ConfigurationError, match="no OAuth client id and client secret"):
        shim.auth_headers(environment=server.url, consumer_id=CONSUMER_ID,
                          private_key=seller_key.pem, url=server.url + "/v3/orders", method="GET")


def test_rejected_credentials_never_fall_back(server: EmulatorServer, seller_key: KeyPair) -> None:
    """A 401 is a credentials problem to fix, not an outage to ride out on the old scheme."""
    with pytest.raises(shim.TokenRejectedError):
        shim.auth_headers(SELLER_ID, "wrong", environment=server.url, consumer_id=CONSUMER_ID,
                          private_key=seller_key.pem, url=server.url + "/v3/orders", method="GET",
                          legacy_fallback=True)


def test_async_headers(server: EmulatorServer) -> None:
    async def run() -> dict[str, str]:
        return await shim.aauth_headers(SELLER_ID, SELLER_SECRET, environment=server.url)

    headers = asyncio.run(run())
    assert _get(server, "/v3/items", headers).status_code == 200
    token = asyncio.run(shim.aaccess_token(SELLER_ID, SELLER_SECRET, environment=server.url))
    assert token == headers["WM_SEC.ACCESS_TOKEN"]

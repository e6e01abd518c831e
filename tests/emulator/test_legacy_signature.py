"""Legacy signed calls over a real socket: exactly the spec's string, or 401."""

from __future__ import annotations

import time

import httpx
import pytest
import requests

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from tests.conftest import CONSUMER_ID
from tests.keys import KeyPair
from tests.legacy_signing import now_ms, signed_headers


def _get(server: EmulatorServer, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(server.url + path, headers=headers)


def test_a_correctly_signed_call_succeeds(server: EmulatorServer, seller_key: KeyPair) -> None:
    url = server.url + "/v3/orders?limit=2"
    response = httpx.get(url, headers=signed_headers(seller_key.private, CONSUMER_ID, url, "GET"))
    assert response.status_code == 200, response.text
    assert len(response.json()["list"]["elements"]["order"]) == 2
    assert server.emulator.exchanges[-1].auth == "legacy"


def test_requests_signing_a_put_with_a_body_succeeds(server: EmulatorServer,
                                                      seller_key: KeyPair) -> None:
    url = server.url + "/v3/inventory?sku=CAST-IRON-10"
    headers = signed_headers(seller_key.private, CONSUMER_ID, url, "PUT")
    body = {"sku": "CAST-IRON-10", "quantity": {"unit": "EACH", "amount": 7}}
    response = requests.put(url, json=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["quantity"]["amount"] == 7


def test_a_signature_from_another_key_is_refused(server: EmulatorServer,
                                                 other_key: KeyPair) -> None:
    url = server.url + "/v3/orders"
    response = _get(server, "/v3/orders", signed_headers(other_key.private, CONSUMER_ID, url, "GET"))
    assert response.status_code == 401
    assert response.json()["error"][0]["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"


def test_a_stale_timestamp_is_refused(server: EmulatorServer, seller_key: KeyPair) -> None:
    url = server.url + "/v3/orders"
    stale = str(int((time.time() - 10 * 60) * 1000))
    response = _get(server, "/v3/orders",
                    signed_headers(seller_key.private, CONSUMER_ID, url, "GET", timestamp=stale))
    assert response.status_code == 401
    assert "timestamp" in response.json()["error"][0]["info"]


@pytest.mark.parametrize(("signed_path", "sent_path"), [
    ("/v3/orders", "/v3/items"),
    ("/v3/inventory?sku=A", "/v3/inventory?sku=B"),
    ("/v3/orders", "/v3/orders?limit=1"),
])
def test_a_url_other_than_the_signed_one_is_refused(server: EmulatorServer, seller_key: KeyPair,
                                                    signed_path: str, sent_path: str) -> None:
    headers = signed_headers(seller_key.private, CONSUMER_ID, server.url + signed_path, "GET")
    assert _get(server, sent_path, headers).status_code == 401


def test_a_method_other_than_the_signed_one_is_refused(server: EmulatorServer,
                                                       seller_key: KeyPair) -> None:
    url = server.url + "/v3/feeds"
    headers = signed_headers(seller_key.private, CONSUMER_ID, url, "GET")
    assert httpx.post(url, headers=headers, content=b"{}").status_code == 401


def test_a_string_without_the_trailing_newline_is_refused(server: EmulatorServer,
                                                          seller_key: KeyPair) -> None:
    url = server.url + "/v3/orders"
    ts = now_ms()
    text = f"{CONSUMER_ID}\n{url}\nGET\n{ts}"
    headers = signed_headers(seller_key.private, CONSUMER_ID, url, "GET", timestamp=ts, text=text)
    assert _get(server, "/v3/orders", headers).status_code == 401


def test_a_lower_case_method_in_the_signed_string_is_refused(server: EmulatorServer,
                                                             seller_key: KeyPair) -> None:
    url = server.url + "/v3/orders"
    ts = now_ms()
    text = f"{CONSUMER_ID}\n{url}\nget\n{ts}\n"
    headers = signed_headers(seller_key.private, CONSUMER_ID, url, "GET", timestamp=ts, text=text)
    assert _get(server, "/v3/orders", headers).status_code == 401


def test_a_missing_timestamp_header_is_a_missing_header(server: EmulatorServer,
                                                        seller_key: KeyPair) -> None:
    url = server.url + "/v3/orders"
    headers = signed_headers(seller_key.private, CONSUMER_ID, url, "GET")
    del headers["WM_SEC.TIMESTAMP"]
    response = _get(server, "/v3/orders", headers)
    assert response.status_code == 400
    assert response.json()["error"][0]["code"] == "MISSING_REQUEST_HEADER.GMP_GATEWAY_API"


def test_an_oauth_only_key_cannot_sign(seller_key: KeyPair) -> None:
    client = ClientConfig(name="oauth-only", client_id="id", client_secret="secret",
                          consumer_id=CONSUMER_ID, public_key=seller_key.public_pem, auth="oauth")
    with EmulatorServer(Emulator(EmulatorConfig(clients=[client]))) as server:
        url = server.url + "/v3/orders"
        headers = signed_headers(seller_key.private, CONSUMER_ID, url, "GET")
        assert _get(server, "/v3/orders", headers).status_code == 401


def test_the_signed_url_follows_a_forwarded_scheme(server: EmulatorServer,
                                                   seller_key: KeyPair) -> None:
    """Behind a TLS-terminating proxy the client signed https://, the emulator hears http."""
    host = server.url.split("://", 1)[1]
    signed_url = f"https://{host}/v3/orders"
    headers = signed_headers(seller_key.private, CONSUMER_ID, signed_url, "GET")
    headers["X-Forwarded-Proto"] = "https"
    assert _get(server, "/v3/orders", headers).status_code == 200

"""Per-category grants, token detail and token expiry (spec sections 3-4)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer, category_of
from tests.conftest import fetch_token
from tests.legacy_signing import call_headers, token_request_headers


@pytest.mark.parametrize(("path", "category"), [
    ("/v3/orders/released", "orders"), ("/v3/items/ABC", "item"), ("/v3/inventory", "inventory"),
    ("/v3/price", "price"), ("/v3/feeds", "feeds"), ("/v3/ca/orders", "orders"),
    ("/v2/items", "item"), ("/v3/reports/reportRequests", "reports"),
])
def test_category_of_a_path(path: str, category: str) -> None:
    assert category_of(path) == category


@pytest.fixture
def provider_server() -> Iterator[EmulatorServer]:
    sp = ClientConfig(name="solution-provider", client_id="sp-id", client_secret="sp-secret",
                      solution_provider=True, channel_type="channel-a",
                      scopes={"orders": "full_access", "inventory": "view_only"})
    with EmulatorServer(Emulator(EmulatorConfig(clients=[sp]))) as running:
        yield running


def _call(client: httpx.Client, token: str, method: str, path: str) -> httpx.Response:
    body = b'{"sku":"CAST-IRON-10","quantity":{"unit":"EACH","amount":3}}' if method == "PUT" else None
    return client.request(method, path, headers=call_headers(token), content=body)


def test_solution_provider_keys_only_reach_granted_categories(provider_server: EmulatorServer) -> None:
    with httpx.Client(base_url=provider_server.url) as client:
        token = fetch_token(client, "sp-id", "sp-secret")
        assert _call(client, token, "GET", "/v3/orders").status_code == 200
        assert _call(client, token, "GET", "/v3/inventory?sku=CAST-IRON-10").status_code == 200
        read_only = _call(client, token, "PUT", "/v3/inventory?sku=CAST-IRON-10")
        no_access = _call(client, token, "GET", "/v3/items")
    for response in (read_only, no_access):
        assert response.status_code == 403
        assert response.json()["error"][0]["code"] == "FORBIDDEN.GMP_GATEWAY_API"
    assert "view_only" in read_only.json()["error"][0]["info"]
    assert "no_access" in no_access.json()["error"][0]["info"]


def test_token_detail_reports_grants_and_times(provider_server: EmulatorServer) -> None:
    with httpx.Client(base_url=provider_server.url) as client:
        token = fetch_token(client, "sp-id", "sp-secret")
        headers = dict(call_headers(token), **{"WM_CONSUMER.CHANNEL.TYPE": "channel-a"})
        detail = client.get("/v3/token/detail", headers=headers).json()
        other_channel = client.get("/v3/token/detail", headers=dict(
            headers, **{"WM_CONSUMER.CHANNEL.TYPE": "channel-b"})).json()
    assert detail["is_valid"] is True
    assert detail["is_channel_match"] is True
    assert other_channel["is_channel_match"] is False
    assert isinstance(detail["expire_at"], str) and isinstance(detail["issued_at"], str)
    assert int(detail["expire_at"]) - int(detail["issued_at"]) == 900_000
    assert detail["scopes"]["orders"] == "full_access"
    assert detail["scopes"]["inventory"] == "view_only"
    assert detail["scopes"]["item"] == "no_access"
    assert set(detail["scopes"]) >= {"reports", "item", "price", "feeds", "orders", "inventory"}


def test_seller_keys_have_full_access(server: EmulatorServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        detail = client.get("/v3/token/detail", headers=call_headers(fetch_token(client))).json()
    assert set(detail["scopes"].values()) == {"full_access"}


def test_an_expired_token_gets_401_in_real_time(seller: ClientConfig) -> None:
    emulator = Emulator(EmulatorConfig(clients=[seller], token_lifetime=1))
    with EmulatorServer(emulator) as server, httpx.Client(base_url=server.url) as client:
        answer = client.post("/v3/token", auth=(seller.client_id or "", seller.client_secret or ""),
                             data={"grant_type": "client_credentials"},
                             headers=token_request_headers()).json()
        assert answer["expires_in"] == 1
        token = answer["access_token"]
        assert client.get("/v3/orders", headers=call_headers(token)).status_code == 200
        time.sleep(1.1)
        expired = client.get("/v3/orders", headers=call_headers(token))
        detail = client.get("/v3/token/detail", headers=call_headers(token))
    assert expired.status_code == 401
    assert expired.json()["error"][0]["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"
    assert detail.status_code == 401


def test_older_gateways_answer_expiry_with_400_invalid_token(seller: ClientConfig) -> None:
    emulator = Emulator(EmulatorConfig(clients=[seller]), expired_token_status=400)
    with EmulatorServer(emulator) as server, httpx.Client(base_url=server.url) as client:
        token = fetch_token(client)
        emulator.advance(901)
        response = client.get("/v3/orders", headers=call_headers(token))
    assert response.status_code == 400
    assert response.json()["error"][0]["code"] == "INVALID_TOKEN.GMP_GATEWAY_API"

"""WalmartAuth (httpx, sync and async) and WalmartRequestsAuth against the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests

import shim
from migrate.emulator import ClientConfig, EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET
from tests.shim.conftest import token_requests

UNAUTHORIZED = {"error": [{"code": "UNAUTHORIZED.GMP_GATEWAY_API", "field": "UNAUTHORIZED",
                           "description": "Unauthorized", "info": "Unauthorized token",
                           "severity": "ERROR", "category": "DATA", "causes": [],
                           "errorIdentifiers": {}}]}

Get = Callable[[str], Any]


def _httpx_get(server: EmulatorServer, auth: Any) -> Get:
    client = httpx.Client(base_url=server.url, auth=auth)
    return lambda path: client.get(path)


def _async_get(server: EmulatorServer, auth: Any) -> Get:
    def get(path: str) -> httpx.Response:
        async def run() -> httpx.Response:
            async with httpx.AsyncClient(base_url=server.url, auth=auth) as client:
                return await client.get(path)
        return asyncio.run(run())
    return get


def _requests_get(server: EmulatorServer, auth: Any) -> Get:
    session = requests.Session()
    session.auth = auth
    return lambda path: session.get(server.url + path, timeout=10)


CLIENTS = {"httpx": (_httpx_get, shim.WalmartAuth), "httpx-async": (_async_get, shim.WalmartAuth),
           "requests": (_requests_get, shim.WalmartRequestsAuth)}


@pytest.fixture(params=sorted(CLIENTS))
def get(request: pytest.FixtureRequest, server: EmulatorServer) -> Get:
    make_get, auth_class = CLIENTS[request.param]
    return make_get(server, auth_class(SELLER_ID, SELLER_SECRET, environment=server.url))


def _api_calls(server: EmulatorServer, path: str) -> list[str | None]:
    return [r.header("WM_SEC.ACCESS_TOKEN") for r in server.emulator.requests(path)]


def test_calls_carry_the_token_and_service_headers(get: Get, server: EmulatorServer) -> None:
    assert get("/v3/orders").status_code == 200
    assert get("/v3/items").status_code == 200
    sent = server.emulator.requests("/v3/orders")[0]
    assert sent.header("WM_SEC.ACCESS_TOKEN") == server.emulator.issued_tokens()[0].token
    assert sent.header("WM_SVC.NAME") == "Walmart Marketplace"
    assert sent.header("WM_QOS.CORRELATION_ID")
    assert sent.header("Authorization") is None
    assert token_requests(server) == 1


def test_an_expired_token_is_refreshed_once_and_the_call_retried(get: Get,
                                                                  server: EmulatorServer) -> None:
    assert get("/v3/orders").status_code == 200
    server.emulator.advance(901)  # the gateway says expired; the provider's clock does not
    assert get("/v3/orders").status_code == 200
    tokens = _api_calls(server, "/v3/orders")
    assert len(tokens) == 3
    assert tokens[0] == tokens[1] != tokens[2]
    assert token_requests(server) == 2
    ids = [r.header("WM_QOS.CORRELATION_ID") for r in server.emulator.requests("/v3/orders")]
    assert len(set(ids)) == 3


def test_400_invalid_token_is_refreshed_too(get: Get, server: EmulatorServer) -> None:
    assert get("/v3/orders").status_code == 200
    server.emulator.expired_token_status = 400
    server.emulator.advance(901)
    assert get("/v3/orders").status_code == 200
    assert token_requests(server) == 2


def test_a_401_that_is_not_about_expiry_is_retried_once_only(get: Get,
                                                             server: EmulatorServer) -> None:
    server.emulator.register("GET", "/v3/orders", status=401, json=UNAUTHORIZED)
    assert get("/v3/orders").status_code == 401
    assert len(_api_calls(server, "/v3/orders")) == 2
    assert token_requests(server) == 2


def test_other_400s_are_returned_untouched(get: Get, server: EmulatorServer) -> None:
    response = get("/v3/inventory")  # no sku
    assert response.status_code == 400
    assert token_requests(server) == 1
    assert len(server.emulator.requests("/v3/inventory")) == 1


def test_a_403_never_refreshes_and_names_the_grant(server: EmulatorServer) -> None:
    server.emulator.add_client(ClientConfig(
        name="provider", client_id="sp-id", client_secret="sp-secret", solution_provider=True,
        scopes={"orders": "view_only"}))
    for make_get, auth_class in CLIENTS.values():
        shim.reset_registry()
        get = make_get(server, auth_class("sp-id", "sp-secret", environment=server.url))
        assert get("/v3/orders").status_code == 200
        with pytest.raises(shim.ScopeError) as caught:
            get("/v3/items")
        error = caught.value
        assert (error.category, error.grant, error.method) == ("item", "no_access", "GET")
        assert "no_access for the 'item' category" in str(error)
        assert "Solution Provider" in str(error)
        assert error.details[0].code == "FORBIDDEN.GMP_GATEWAY_API"
    sp_tokens = server.emulator.issued_tokens("sp-id")
    assert len(sp_tokens) == 3  # one per client kind: none for the 403s


def test_a_403_can_be_returned_instead(server: EmulatorServer) -> None:
    server.emulator.add_client(ClientConfig(
        name="provider", client_id="sp-id", client_secret="sp-secret", solution_provider=True))
    auth = shim.WalmartAuth("sp-id", "sp-secret", environment=server.url, raise_on_forbidden=False)
    with httpx.Client(base_url=server.url, auth=auth) as client:
        assert client.get("/v3/orders").status_code == 403


@pytest.mark.parametrize(("secret", "fault", "error"), [
    ("wrong-secret", False, shim.TokenRejectedError),
    (SELLER_SECRET, True, shim.TokenEndpointUnavailable),
], ids=["rejected", "endpoint-down"])
def test_no_request_goes_out_without_a_token(server: EmulatorServer, secret: str, fault: bool,
                                             error: type[Exception]) -> None:
    if fault:
        server.emulator.inject("error", "/v3/token", count=100, status=503)
    for make_get, auth_class in CLIENTS.values():
        shim.reset_registry()
        auth = auth_class(SELLER_ID, secret, environment=server.url, token_attempts=2)
        with pytest.raises(error):
            make_get(server, auth)("/v3/orders")
    assert server.emulator.requests("/v3/orders") == []


def test_a_refresh_by_someone_else_is_not_thrown_away(server: EmulatorServer) -> None:
    """A 401 answered to a request made with an old token must not drop the new one."""
    auth = shim.WalmartAuth(SELLER_ID, SELLER_SECRET, environment=server.url)
    old = auth.provider.token()
    auth.provider.invalidate(old)
    new = auth.provider.token()
    assert auth.provider.invalidate(old) is False
    with httpx.Client(base_url=server.url, auth=auth) as client:
        assert client.get("/v3/orders").status_code == 200
    assert _api_calls(server, "/v3/orders") == [new]
    assert token_requests(server) == 2


def test_callers_own_service_headers_are_kept(server: EmulatorServer) -> None:
    auth = shim.WalmartAuth(SELLER_ID, SELLER_SECRET, environment=server.url,
                            channel_type="chan-9", send_basic_auth=True)
    with httpx.Client(base_url=server.url, auth=auth) as client:
        client.get("/v3/orders", headers={"WM_SVC.NAME": "Acme", "WM_QOS.CORRELATION_ID": "c-1"})
    sent = server.emulator.requests("/v3/orders")[0]
    assert sent.header("WM_SVC.NAME") == "Acme"
    assert sent.header("WM_QOS.CORRELATION_ID") == "c-1"
    assert sent.header("WM_CONSUMER.CHANNEL.TYPE") == "chan-9"
    assert (sent.header("Authorization") or "").startswith("Basic ")


def test_requests_retry_rewinds_a_file_body(server: EmulatorServer, tmp_path: Any) -> None:
    body = tmp_path / "inventory.json"
    body.write_bytes(b'{"sku": "CAST-IRON-10", "quantity": {"unit": "EACH", "amount": 9}}')
    session = requests.Session()
    session.auth = shim.WalmartRequestsAuth(SELLER_ID, SELLER_SECRET, environment=server.url)
    assert session.get(server.url + "/v3/orders", timeout=10).status_code == 200
    server.emulator.advance(901)
    with body.open("rb") as stream:
        response = session.put(server.url + "/v3/inventory?sku=CAST-IRON-10", data=stream,
                               headers={"Content-Type": "application/json",
                                        "Content-Length": str(body.stat().st_size)}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["quantity"]["amount"] == 9
    assert len(response.history) == 1 and response.history[0].status_code == 401

"""A redirect to another origin gets neither the token nor Basic credentials; a redirect
within the origin keeps them. httpx (sync, async, followed by hand) and requests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import requests

import shim
from migrate.emulator import EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET
from tests.shim.conftest import token_requests


@pytest.fixture
def elsewhere() -> Iterator[EmulatorServer]:
    """Another host: reached as "localhost", where the gateway is "127.0.0.1"."""
    with EmulatorServer() as running:
        yield running


def _auth(kind: str, server: EmulatorServer) -> object:
    auth_class = shim.WalmartRequestsAuth if kind == "requests" else shim.WalmartAuth
    return auth_class(SELLER_ID, SELLER_SECRET, environment=server.url, send_basic_auth=True)


def _get(kind: str, server: EmulatorServer, path: str) -> int:
    auth = _auth(kind, server)
    if kind == "requests":
        session = requests.Session()
        session.auth = auth  # type: ignore[assignment]
        return session.get(server.url + path, timeout=10).status_code
    if kind == "httpx":
        with httpx.Client(base_url=server.url, auth=auth, follow_redirects=True) as client:  # type: ignore[arg-type]
            return client.get(path).status_code

    async def run() -> int:
        async with httpx.AsyncClient(base_url=server.url, auth=auth,  # type: ignore[arg-type]
                                     follow_redirects=True) as client:
            return (await client.get(path)).status_code
    return asyncio.run(run())


KINDS = ["httpx", "httpx-async", "requests"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_redirect_to_another_host_gets_no_credentials(kind: str, server: EmulatorServer,
                                                        elsewhere: EmulatorServer) -> None:
    target = f"http://localhost:{elsewhere.port}/v3/orders"
    server.emulator.register("GET", "/v3/orders", status=302, headers=[("Location", target)])
    assert _get(kind, server, "/v3/orders") == 401  # the other host wants credentials it never got
    (sent,) = server.emulator.requests("/v3/orders")
    assert sent.header("WM_SEC.ACCESS_TOKEN")
    assert (sent.header("Authorization") or "").startswith("Basic ")
    (followed,) = elsewhere.emulator.requests("/v3/orders")
    assert followed.header("WM_SEC.ACCESS_TOKEN") is None
    assert followed.header("Authorization") is None
    assert token_requests(server) == 1  # the other host's 401 is not about our token


@pytest.mark.parametrize("kind", KINDS)
def test_a_redirect_within_the_origin_keeps_the_token(kind: str, server: EmulatorServer) -> None:
    server.emulator.register("GET", "/v3/items", status=301, headers=[("Location", "/v3/orders")])
    assert _get(kind, server, "/v3/items") == 200
    (followed,) = server.emulator.requests("/v3/orders")
    assert followed.header("WM_SEC.ACCESS_TOKEN") == server.emulator.issued_tokens()[0].token


def test_httpx_redirect_followed_by_hand_gets_no_token(server: EmulatorServer,
                                                       elsewhere: EmulatorServer) -> None:
    target = f"http://localhost:{elsewhere.port}/v3/orders"
    server.emulator.register("GET", "/v3/orders", status=307, headers=[("Location", target)])
    with httpx.Client(base_url=server.url, auth=_auth("httpx", server)) as client:  # type: ignore[arg-type]
        first = client.get("/v3/orders")
        assert first.status_code == 307 and first.next_request is not None
        client.send(first.next_request)
    (followed,) = elsewhere.emulator.requests("/v3/orders")
    assert followed.header("WM_SEC.ACCESS_TOKEN") is None
    assert followed.header("Authorization") is None


def test_a_callers_own_trace_still_runs(server: EmulatorServer, elsewhere: EmulatorServer) -> None:
    target = f"http://localhost:{elsewhere.port}/v3/orders"
    server.emulator.register("GET", "/v3/orders", status=302, headers=[("Location", target)])
    events: list[str] = []
    with httpx.Client(base_url=server.url, auth=_auth("httpx", server),  # type: ignore[arg-type]
                      follow_redirects=True) as client:
        client.get("/v3/orders", extensions={"trace": lambda name, info: events.append(name)})
    assert events.count("http11.send_request_headers.started") == 2
    assert elsewhere.emulator.requests("/v3/orders")[0].header("WM_SEC.ACCESS_TOKEN") is None

"""Every call answered 401 (a revoked channel, the wrong market): after a new token did not
help, the hooks stop fetching one per call and back off."""

from __future__ import annotations

import pytest

import shim
from migrate.emulator import EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET
from tests.shim.conftest import FakeClock, token_requests
from tests.shim.test_auth_hooks import CLIENTS, UNAUTHORIZED


@pytest.mark.parametrize("kind", sorted(CLIENTS))
def test_a_401_storm_backs_off_before_the_next_refresh(kind: str, server: EmulatorServer,
                                                       clock: FakeClock) -> None:
    server.emulator.register("GET", "/v3/orders", status=401, json=UNAUTHORIZED)
    make_get, auth_class = CLIENTS[kind]
    provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url, clock=clock)
    get = make_get(server, auth_class(provider=provider))
    for _ in range(20):
        assert get("/v3/orders").status_code == 401
    assert token_requests(server) == 2  # the first token, and one refresh that did not help
    assert len(server.emulator.requests("/v3/orders")) == 21  # no retry while backing off

    clock.advance(6)  # past the first pause: one more try, which fails again
    assert get("/v3/orders").status_code == 401
    assert token_requests(server) == 3
    for _ in range(5):
        get("/v3/orders")
    clock.advance(6)  # the pause has doubled
    get("/v3/orders")
    assert token_requests(server) == 3
    clock.advance(5)
    get("/v3/orders")
    assert token_requests(server) == 4


def test_a_refresh_that_helps_keeps_refreshing_normally(server: EmulatorServer) -> None:
    """Expired tokens, one after another: each refresh works, so none is held back."""
    make_get, auth_class = CLIENTS["httpx"]
    get = make_get(server, auth_class(SELLER_ID, SELLER_SECRET, environment=server.url))
    for _ in range(4):
        assert get("/v3/orders").status_code == 200
        server.emulator.advance(901)
    assert get("/v3/orders").status_code == 200
    assert token_requests(server) == 5

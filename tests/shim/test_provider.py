"""TokenProvider against the emulator on a real socket (spec section 2)."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import uuid

import httpx
import pytest

import shim
from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET
from tests.legacy_signing import call_headers
from tests.shim.conftest import FakeClock, Sleeps, token_requests


def test_the_token_request_is_exactly_the_spec(provider: shim.TokenProvider,
                                               server: EmulatorServer) -> None:
    token = provider.token()
    request = server.emulator.requests("/v3/token")[0]
    basic = base64.b64encode(f"{SELLER_ID}:{SELLER_SECRET}".encode()).decode()
    assert request.method == "POST"
    assert request.header("Authorization") == f"Basic {basic}"
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert request.header("Accept") == "application/json"
    assert request.header("WM_SVC.NAME") == "Walmart Marketplace"
    assert uuid.UUID(request.header("WM_QOS.CORRELATION_ID") or "")
    assert request.body == b"grant_type=client_credentials"
    assert server.emulator.issued_tokens()[0].token == token


def test_each_token_request_has_a_new_correlation_id(provider: shim.TokenProvider,
                                                     server: EmulatorServer) -> None:
    provider.token()
    provider.invalidate(provider.token())
    provider.token()
    ids = {r.header("WM_QOS.CORRELATION_ID") for r in server.emulator.requests("/v3/token")}
    assert len(ids) == 2


def test_channel_type_and_market_go_on_the_token_request(server: EmulatorServer) -> None:
    provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url,
                                  channel_type="chan-1", market="ca", svc_name="Acme Sync")
    provider.token()
    request = server.emulator.requests("/v3/token")[0]
    assert request.header("WM_CONSUMER.CHANNEL.TYPE") == "chan-1"
    assert request.header("WM_MARKET") == "ca"
    assert request.header("WM_SVC.NAME") == "Acme Sync"


def test_the_token_is_cached(provider: shim.TokenProvider, server: EmulatorServer) -> None:
    tokens = {provider.token() for _ in range(20)}
    assert len(tokens) == 1
    assert token_requests(server) == 1
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/v3/orders", headers=call_headers(tokens.pop())).status_code == 200


def test_an_xml_answer_is_read(provider: shim.TokenProvider, server: EmulatorServer) -> None:
    server.emulator.register("POST", "/v3/token", headers=[("Content-Type", "application/xml")],
                             body='<?xml version="1.0"?><OAuthTokenDTO><accessToken>tok-xml-123'
                                  '</accessToken><tokenType>Bearer</tokenType><expiresIn>900'
                                  '</expiresIn></OAuthTokenDTO>')
    assert provider.token() == "tok-xml-123"
    assert provider.cached is not None
    assert provider.cached.expires_in == 900


@pytest.mark.parametrize("environment", ["production", "sandbox", "supplier"])
def test_named_environments(environment: str) -> None:
    provider = shim.TokenProvider("id", "secret", environment=environment)
    host = {"production": "marketplace.walmartapis.com", "sandbox": "sandbox.walmartapis.com",
            "supplier": "api-gateway.walmart.com"}[environment]
    assert provider.token_url == f"https://{host}/v3/token"


def test_an_unknown_environment_is_a_configuration_error() -> None:
    with pytest.raises(shim.ConfigurationError, match="unknown Walmart environment"):
        shim.TokenProvider("id", "secret", environment="staging")


def test_missing_credentials_are_a_configuration_error() -> None:
    with pytest.raises(shim.ConfigurationError, match="client secret"):
        shim.TokenProvider("id", None)


def test_two_credential_pairs_never_share_a_token(server: EmulatorServer) -> None:
    other = ClientConfig(name="second-seller", client_id="second-id", client_secret="second-secret")
    server.emulator.add_client(other)
    first = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url)
    second = shim.TokenProvider("second-id", "second-secret", environment=server.url)
    assert first.key != second.key
    first_token, second_token = first.token(), second.token()
    assert first_token != second_token
    owners = {t.token: t.client_id for t in server.emulator.issued_tokens()}
    assert owners == {first_token: SELLER_ID, second_token: "second-id"}


def test_the_same_id_with_another_secret_is_another_cache_entry(server: EmulatorServer) -> None:
    right = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url)
    wrong = shim.TokenProvider(SELLER_ID, "an-old-secret", environment=server.url)
    assert right.token()
    with pytest.raises(shim.TokenRejectedError):
        wrong.token()


def test_two_providers_for_one_pair_share_the_token(server: EmulatorServer) -> None:
    one = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url)
    two = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url)
    assert one.token() == two.token()
    assert token_requests(server) == 1


def test_a_59_second_token_still_works(seller: ClientConfig, clock: FakeClock) -> None:
    with EmulatorServer(Emulator(EmulatorConfig(clients=[seller], token_lifetime=59))) as server:
        provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url,
                                      clock=clock)
        token = provider.token()
        clock.advance(50)
        assert provider.token() == token
        assert token_requests(server) == 1
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/v3/orders", headers=call_headers(token)).status_code == 200


def test_a_two_second_token_is_refreshed_before_it_expires(seller: ClientConfig,
                                                           clock: FakeClock) -> None:
    with EmulatorServer(Emulator(EmulatorConfig(clients=[seller], token_lifetime=2))) as server:
        provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url,
                                      clock=clock)
        first = provider.token()
        clock.advance(1.5)
        assert provider.token() == first  # soft lead is 0.2 s: still fresh
        clock.advance(0.35)
        assert provider.token() != first  # inside the soft window: refreshed
        assert token_requests(server) == 2


def test_soft_window_one_caller_refreshes_and_the_others_keep_the_token(
        provider: shim.TokenProvider, server: EmulatorServer, clock: FakeClock) -> None:
    old = provider.token()
    clock.advance(900 - 30)  # soft window: 60 s lead, hard lead 15 s
    server.emulator.inject("delay", "/v3/token", delay=0.5)
    refreshed: list[str] = []
    refresher = threading.Thread(target=lambda: refreshed.append(provider.token()))
    refresher.start()
    while provider._entry.flight is None:
        pass
    others = [provider.token() for _ in range(5)]
    in_flight = provider._entry.flight is not None
    refresher.join()
    assert others == [old] * 5
    assert in_flight, "the other callers returned while the refresh was still in flight"
    assert refreshed[0] != old
    assert provider.token() == refreshed[0]
    assert token_requests(server) == 2


def test_a_failed_soft_refresh_is_logged_and_the_old_token_kept(
        provider: shim.TokenProvider, server: EmulatorServer, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    old = provider.token()
    clock.advance(900 - 30)
    server.emulator.inject("error", "/v3/token", count=100, status=503)
    with caplog.at_level(logging.WARNING, logger="shim"):
        assert provider.token() == old
        assert provider.token() == old  # within the pause after a failure: no new attempt
    assert token_requests(server) == 1 + 4
    assert any("early refresh" in r.getMessage() and "keeping" in r.getMessage()
               for r in caplog.records)


def test_hard_window_waits_for_a_new_token(provider: shim.TokenProvider, server: EmulatorServer,
                                           clock: FakeClock) -> None:
    old = provider.token()
    clock.advance(900 - 5)
    new = provider.token()
    assert new != old
    assert token_requests(server) == 2


def test_a_hard_window_failure_raises_rather_than_using_a_dying_token(
        provider: shim.TokenProvider, server: EmulatorServer, clock: FakeClock) -> None:
    provider.token()
    clock.advance(900 - 5)
    server.emulator.inject("error", "/v3/token", count=100, status=503)
    with pytest.raises(shim.TokenEndpointUnavailable):
        provider.token()


def test_retries_on_5xx_with_growing_jittered_waits(provider: shim.TokenProvider,
                                                    server: EmulatorServer, sleeps: Sleeps) -> None:
    server.emulator.inject("error", "/v3/token", count=3, status=502)
    assert provider.token()
    assert token_requests(server) == 4
    assert len(sleeps.waits) == 3
    for attempt, wait in enumerate(sleeps.waits):
        cap = min(1.0, 0.2 * 2 ** attempt)
        assert cap / 2 <= wait <= cap


def test_retry_after_is_honoured(provider: shim.TokenProvider, server: EmulatorServer,
                                 sleeps: Sleeps) -> None:
    server.emulator.inject("throttle", "/v3/token", retry_after=2)
    assert provider.token()
    assert sleeps.waits == [2.0]


def test_a_retry_after_beyond_the_limit_gives_up_at_once(provider: shim.TokenProvider,
                                                         server: EmulatorServer,
                                                         sleeps: Sleeps) -> None:
    server.emulator.inject("throttle", "/v3/token", retry_after=3600)
    with pytest.raises(shim.TokenEndpointUnavailable, match="asked to wait 3600s"):
        provider.token()
    assert sleeps.waits == []
    assert token_requests(server) == 1


def test_timeouts_and_dropped_connections_are_retried(server: EmulatorServer,
                                                      retry: shim.RetryPolicy) -> None:
    provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url,
                                  timeout=0.2, retry=retry)
    server.emulator.inject("delay", "/v3/token", delay=0.6)
    server.emulator.inject("drop", "/v3/token")
    assert provider.token()
    assert [e.fault for e in server.emulator.exchanges] == ["delay", "drop", None]


def test_giving_up_names_the_endpoint_and_the_attempts(provider: shim.TokenProvider,
                                                       server: EmulatorServer) -> None:
    server.emulator.inject("error", "/v3/token", count=10, status=503)
    with pytest.raises(shim.TokenEndpointUnavailable) as caught:
        provider.token()
    message = str(caught.value)
    assert f"{server.url}/v3/token after 4 attempt(s)" in message
    assert "503 SYSTEM_ERROR.GMP_GATEWAY_API" in message
    assert caught.value.status == 503
    assert token_requests(server) == 4


def test_a_connection_refused_gives_up_with_a_clear_error(retry: shim.RetryPolicy) -> None:
    with EmulatorServer() as server:
        url = server.url
    provider = shim.TokenProvider("id", "secret", environment=url, retry=retry)
    with pytest.raises(shim.TokenEndpointUnavailable, match="ConnectError"):
        provider.token()


def test_a_malformed_answer_is_a_token_response_error(provider: shim.TokenProvider,
                                                      server: EmulatorServer) -> None:
    server.emulator.inject("malformed", "/v3/token")
    with pytest.raises(shim.TokenResponseError, match="neither token JSON nor OAuthTokenDTO XML"):
        provider.token()


@pytest.mark.parametrize("answer", [{"token_type": "Bearer", "expires_in": 900},
                                    {"access_token": "abc", "expires_in": "soon"},
                                    {"access_token": "abc", "expires_in": 0}])
def test_a_token_answer_missing_parts_is_refused(provider: shim.TokenProvider,
                                                 server: EmulatorServer,
                                                 answer: dict[str, object]) -> None:
    server.emulator.register("POST", "/v3/token", json=answer)
    with pytest.raises(shim.TokenResponseError):
        provider.token()


def test_a_401_is_not_retried(server: EmulatorServer, retry: shim.RetryPolicy) -> None:
    provider = shim.TokenProvider(SELLER_ID, "wrong", environment=server.url, retry=retry)
    with pytest.raises(shim.TokenRejectedError) as caught:
        provider.token()
    assert caught.value.status == 401
    assert caught.value.details[0].code == "UNAUTHORIZED.GMP_GATEWAY_API"
    assert token_requests(server) == 1


def test_invalidate_drops_only_the_token_it_names(provider: shim.TokenProvider,
                                                  server: EmulatorServer) -> None:
    first = provider.token()
    assert provider.invalidate(first) is True
    second = provider.token()
    assert second != first
    assert provider.invalidate(first) is False  # a late 401 for the old token
    assert provider.token() == second
    assert token_requests(server) == 2


def test_the_async_path_caches_and_retries(provider: shim.TokenProvider, server: EmulatorServer,
                                           sleeps: Sleeps) -> None:
    server.emulator.inject("error", "/v3/token", count=1, status=500)

    async def run() -> list[str]:
        return [await provider.atoken() for _ in range(3)]

    tokens = asyncio.run(run())
    assert len(set(tokens)) == 1
    assert token_requests(server) == 2
    assert len(sleeps.waits) == 1


def test_the_async_soft_window_refreshes_in_the_background(
        provider: shim.TokenProvider, server: EmulatorServer, clock: FakeClock) -> None:
    async def run() -> tuple[str, str, str]:
        old = await provider.atoken()
        clock.advance(900 - 30)
        during = await provider.atoken()  # returns at once, refresh started
        flight = provider._entry.flight
        assert flight is not None and flight.task is not None
        await flight.task
        return old, during, await provider.atoken()

    old, during, after = asyncio.run(run())
    assert during == old
    assert after != old
    assert token_requests(server) == 2


def test_token_detail(provider: shim.TokenProvider) -> None:
    detail = provider.token_detail()
    assert detail["is_valid"] is True
    assert detail["scopes"]["orders"] == "full_access"
    assert asyncio.run(provider.atoken_detail())["scopes"]["item"] == "full_access"

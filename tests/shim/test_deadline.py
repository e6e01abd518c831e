"""Every token acquisition ends within its deadline (WALMART_TOKEN_DEADLINE), however the
endpoint stalls: a trickle of bytes, a long Retry-After, or someone else's request."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import shim
from migrate.emulator import EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET
from tests.shim.conftest import token_requests
from tests.shim.drip import DripServer

# Each byte arrives within the 1 s read timeout; the whole answer would take about 45 s.
OPTIONS = {"token_timeout": 1.0, "token_deadline": 1.0}


def test_a_trickling_answer_ends_at_the_deadline() -> None:
    with DripServer(interval=0.3) as drip:
        started = time.monotonic()
        with pytest.raises(shim.TokenEndpointUnavailable, match="1s token deadline") as caught:
            shim.access_token(SELLER_ID, SELLER_SECRET, environment=drip.url, **OPTIONS)
        assert time.monotonic() - started < 4
    assert SELLER_SECRET not in str(caught.value)


def test_a_trickling_answer_ends_at_the_deadline_on_asyncio() -> None:
    with DripServer(interval=0.3) as drip:
        started = time.monotonic()
        with pytest.raises(shim.TokenEndpointUnavailable, match="1s token deadline"):
            asyncio.run(shim.aaccess_token(SELLER_ID, SELLER_SECRET, environment=drip.url,
                                           **OPTIONS))
        assert time.monotonic() - started < 4


def test_callers_waiting_on_a_trickling_request_end_with_it() -> None:
    errors: list[BaseException] = []

    def call() -> None:
        try:
            shim.access_token(SELLER_ID, SELLER_SECRET, environment=drip.url, **OPTIONS)
        except BaseException as exc:
            errors.append(exc)

    with DripServer(interval=0.3) as drip:
        started = time.monotonic()
        threads = [threading.Thread(target=call) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert time.monotonic() - started < 5
        assert drip.connections == 1
    assert len(errors) == 10
    assert all(isinstance(e, shim.TokenEndpointUnavailable) for e in errors)


def test_a_retry_after_past_the_deadline_is_not_slept_through(server: EmulatorServer) -> None:
    server.emulator.inject("throttle", "/v3/token", retry_after=59, count=10)
    started = time.monotonic()
    with pytest.raises(shim.TokenEndpointUnavailable, match="asked to wait 59s"):
        shim.access_token(SELLER_ID, SELLER_SECRET, environment=server.url, token_deadline=1)
    assert time.monotonic() - started < 4
    assert token_requests(server) == 1


def test_retries_stop_when_the_deadline_would_pass(server: EmulatorServer) -> None:
    server.emulator.inject("throttle", "/v3/token", retry_after=0.4, count=100)
    started = time.monotonic()
    with pytest.raises(shim.TokenEndpointUnavailable, match="token deadline"):
        shim.access_token(SELLER_ID, SELLER_SECRET, environment=server.url, token_deadline=1.5,
                          token_attempts=50)
    assert time.monotonic() - started < 4
    assert 2 <= token_requests(server) <= 5


def test_the_deadline_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALMART_TOKEN_DEADLINE", "12.5")
    assert shim.Settings.resolve().token_deadline == 12.5
    for bad in ("0", "-1", "nan", "inf"):
        monkeypatch.setenv("WALMART_TOKEN_DEADLINE", bad)
        with pytest.raises(shim.ConfigurationError, match="deadline"):
            shim.Settings.resolve()

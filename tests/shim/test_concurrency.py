"""Many callers at once on an empty or expired cache: exactly one token request."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import httpx
import pytest

import shim
from migrate.emulator import EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET
from tests.shim.conftest import FakeClock, token_requests

CALLERS = 1000
# How long a caller waits for the shared token request. A thousand threads released at once
# queue for the GIL and the provider's lock; on a loaded machine that queue has taken longer
# than the default 30 s, and those tests prove one request for all, not the deadline. (The
# suite's own timeout, 120 s a test, is raised for them to match.)
PATIENT = 300.0


def _threads_at_once(provider: shim.TokenProvider) -> tuple[list[str], list[BaseException]]:
    start = threading.Barrier(CALLERS)
    tokens: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def call() -> None:
        start.wait()
        try:
            token = provider.token()
        except BaseException as exc:
            with lock:
                errors.append(exc)
        else:
            with lock:
                tokens.append(token)

    threads = [threading.Thread(target=call) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tokens, errors


class _HeldUntilAllWait:
    """A client whose token request leaves only once every other caller waits on it, so
    that "one request for all" does not depend on how fast the machine starts threads.

    The waiters are counted on the flight's event: walking other threads' frames while they
    run raced with them (Python 3.11 handed back a function as a frame's caller)."""

    def __init__(self) -> None:
        self.provider: shim.TokenProvider | None = None

    def client(self) -> httpx.Client:
        return httpx.Client(event_hooks={"request": [self._hold]})

    def _waiting(self) -> int:
        """Threads blocked on the token request another thread is making for them."""
        assert self.provider is not None
        flight = self.provider._entry.flight
        # CPython's Event keeps the threads waiting on it in its condition's _waiters.
        return 0 if flight is None else len(flight.done._cond._waiters)  # type: ignore[attr-defined]

    def _hold(self, request: httpx.Request) -> None:
        deadline = time.monotonic() + PATIENT
        while self._waiting() < CALLERS - 1:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {self._waiting()} callers joined the flight")
            time.sleep(0.01)


async def _tasks_at_once(provider: shim.TokenProvider) -> list[str]:
    return list(await asyncio.gather(*(provider.atoken() for _ in range(CALLERS))))


@pytest.fixture
def slow_endpoint(server: EmulatorServer) -> EmulatorServer:
    """Token answers take a while, so every caller arrives while the first is in flight."""
    server.emulator.inject("delay", "/v3/token", delay=0.3, count=10)
    return server


@pytest.mark.timeout(PATIENT + 60)
def test_a_thousand_threads_on_an_empty_then_an_expired_cache(
        server: EmulatorServer, clock: FakeClock, retry: shim.RetryPolicy) -> None:
    held = _HeldUntilAllWait()
    provider = held.provider = shim.TokenProvider(
        SELLER_ID, SELLER_SECRET, environment=server.url, clock=clock, retry=retry,
        client=held.client(), deadline=PATIENT)
    tokens, errors = _threads_at_once(provider)
    assert errors == []
    assert len(tokens) == CALLERS
    assert len(set(tokens)) == 1
    assert token_requests(server) == 1

    clock.advance(901)
    tokens, errors = _threads_at_once(provider)
    assert errors == []
    assert len(set(tokens)) == 1
    assert token_requests(server) == 2


def test_a_thousand_tasks_on_an_empty_then_an_expired_cache(
        provider: shim.TokenProvider, slow_endpoint: EmulatorServer, clock: FakeClock) -> None:
    tokens = asyncio.run(_tasks_at_once(provider))
    assert len(tokens) == CALLERS
    assert len(set(tokens)) == 1
    assert token_requests(slow_endpoint) == 1

    clock.advance(901)
    tokens = asyncio.run(_tasks_at_once(provider))  # a new event loop, too
    assert len(set(tokens)) == 1
    assert token_requests(slow_endpoint) == 2


@pytest.mark.timeout(PATIENT + 60)
def test_a_thousand_threads_share_one_failure(server: EmulatorServer,
                                              retry: shim.RetryPolicy) -> None:
    held = _HeldUntilAllWait()
    provider = held.provider = shim.TokenProvider(
        SELLER_ID, "wrong-secret", environment=server.url, retry=retry, client=held.client(),
        deadline=PATIENT)
    tokens, errors = _threads_at_once(provider)
    assert tokens == []
    assert len(errors) == CALLERS
    assert all(isinstance(e, shim.TokenRejectedError) for e in errors), \
        sorted({f"{type(e).__name__}: {e}" for e in errors})
    assert token_requests(server) == 1


def test_a_thousand_tasks_share_one_failure(server: EmulatorServer,
                                            retry: shim.RetryPolicy) -> None:
    server.emulator.inject("delay", "/v3/token", delay=0.3)
    provider = shim.TokenProvider(SELLER_ID, "wrong-secret", environment=server.url, retry=retry)

    async def run() -> list[object]:
        return list(await asyncio.gather(*(provider.atoken() for _ in range(CALLERS)),
                                         return_exceptions=True))

    results = asyncio.run(run())
    assert all(isinstance(r, shim.TokenRejectedError) for r in results)
    assert token_requests(server) == 1


def test_the_async_path_never_blocks_the_event_loop(provider: shim.TokenProvider,
                                                    server: EmulatorServer) -> None:
    """While the token request waits 0.5 s on the socket, other tasks keep running."""
    server.emulator.inject("delay", "/v3/token", delay=0.5)

    async def run() -> tuple[int, int]:
        ticks = 0
        fetching = asyncio.create_task(provider.atoken())
        while not fetching.done():
            ticks += 1
            await asyncio.sleep(0.01)
        await fetching
        before = ticks
        return before, token_requests(server)

    ticks, requests = asyncio.run(run())
    assert requests == 1
    assert ticks >= 10, f"the loop ran only {ticks} times during a 0.5 s token request"


def test_a_blocking_fetch_would_have_been_caught(server: EmulatorServer) -> None:
    """The check above can fail: the same measurement around a blocking call sees no ticks."""
    server.emulator.inject("delay", "/v3/token", delay=0.3)
    provider = shim.TokenProvider(SELLER_ID, "s", environment=server.url)

    async def blocking_fetch() -> None:
        with contextlib.suppress(shim.TokenError):
            provider.token()  # the sync path, wrongly called on the loop

    async def run() -> int:
        ticks = 0
        fetching = asyncio.create_task(blocking_fetch())
        await asyncio.sleep(0)
        started = time.monotonic()
        while not fetching.done():
            ticks += 1
            await asyncio.sleep(0.01)
        assert time.monotonic() - started < 5
        return ticks

    assert asyncio.run(run()) <= 1

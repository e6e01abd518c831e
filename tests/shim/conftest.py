from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

import shim
from migrate.emulator import EmulatorServer
from shim._config import _VARIABLES
from tests.conftest import SELLER_ID, SELLER_SECRET


class FakeClock:
    """A monotonic clock the test moves by hand, so refresh windows need no sleeping."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class Sleeps:
    """Records the waits a retry policy asks for instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(autouse=True)
def clean_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in _VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    shim.reset_registry()
    shim.counters.reset()
    yield
    shim.reset_registry()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def retry(sleeps: Sleeps) -> shim.RetryPolicy:
    return shim.RetryPolicy(attempts=4, base_delay=0.2, max_delay=1.0, sleep=sleeps,
                            async_sleep=sleeps.asleep)


@pytest.fixture
def provider(server: EmulatorServer, clock: FakeClock, retry: shim.RetryPolicy) -> shim.TokenProvider:
    return shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url, clock=clock,
                              retry=retry)


def token_requests(server: EmulatorServer) -> int:
    return len(server.emulator.requests("/v3/token"))

"""Best-of-N timing of a callable, so one noisy run does not decide a ratio."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Callable


def best_of(repeats: int, run: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


async def abest_of(repeats: int, run: Callable[[], Awaitable[None]]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        await run()
        best = min(best, time.perf_counter() - started)
    return best

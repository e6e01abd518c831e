"""A total time limit for one token acquisition, and a way to hold a blocking call to it.

httpx's timeouts are per network operation: a server that drips one byte every few tenths of
a second never trips them. Only a limit on the whole acquisition bounds what a caller waits.
"""

from __future__ import annotations

import contextvars
import threading
import time
from typing import Callable, TypeVar

__all__ = ["Deadline", "PastDeadline", "call_before"]

T = TypeVar("T")


class PastDeadline(Exception):
    """Internal: the deadline passed before the call finished."""


class Deadline:
    """A point on the real monotonic clock. Deliberately not the provider's clock, which
    tests (and callers) may stop or move by hand."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.at


def call_before(deadline: Deadline, call: Callable[[], T]) -> T:
    """``call()``'s result or exception, or ``PastDeadline`` once the deadline passes.

    The call runs in a daemon thread (with the caller's context variables) so that the caller
    can stop waiting on a socket that keeps trickling; the call itself ends at its next
    network timeout or when it notices the deadline, and its late result is dropped.
    """
    outcome: list[tuple[bool, object]] = []
    finished = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed to the caller, who raises it
            outcome.append((False, exc))
        finally:
            finished.set()

    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(run,), name="shim-token-request", daemon=True).start()
    if not finished.wait(deadline.left()):
        raise PastDeadline
    ok, value = outcome[0]
    if not ok:
        assert isinstance(value, BaseException)
        raise value
    return value  # type: ignore[return-value]

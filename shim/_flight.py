"""One token request that every caller for a credential pair waits on: threads, and asyncio
tasks on any event loop alike, so a cold cache costs one request however the callers run."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import threading
from typing import Optional

from shim._secrets import redact
from shim._token import AccessToken
from shim.errors import TokenError

__all__ = ["Flight", "shared_error"]

_Wakeup = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class Flight:
    """Led by one caller - a thread, or a task on some event loop - and waited on by the rest:
    threads block on ``done``; tasks await a future of their own loop, set from whichever
    thread lands the flight."""

    def __init__(self, soft: bool = False) -> None:
        self.soft = soft  # an early refresh: its failure is logged, the old token kept
        self.done = threading.Event()
        self.token: Optional[AccessToken] = None
        self.error: Optional[BaseException] = None
        # Landed with neither: the leader went away (its event loop shut down, an interrupt).
        # Waiters start a new flight instead of failing for someone else's reason.
        self.abandoned = False
        # When a task leads: its loop, and the task itself (asyncio keeps only weak references).
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.task: Optional[asyncio.Task[None]] = None
        self._lock = threading.Lock()
        self._wakeups: list[_Wakeup] = []

    def land(self, token: Optional[AccessToken], error: Optional[BaseException]) -> None:
        with self._lock:
            self.token, self.error = token, error
            self.abandoned = token is None and error is None
            self.done.set()
            wakeups, self._wakeups = self._wakeups, []
        for loop, future in wakeups:
            # A closed loop has nobody left waiting on it.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_wake, future)

    async def wait_async(self, timeout: float) -> bool:
        """Wait without blocking the running loop; False if ``timeout`` passed first."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self.done.is_set():
                return True
            self._wakeups.append((loop, future))
        try:
            await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def led_from_this_thread_loop(self) -> bool:
        """True when a task on the loop this thread is running leads: blocking here would stop
        that loop, so the flight could never land (a sync call made inside async code)."""
        if self.loop is None:
            return False
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():  # its caller may have been cancelled or timed out meanwhile
        future.set_result(None)


def shared_error(original: BaseException, token_url: str) -> TokenError:
    """What one waiter on a failed flight raises: an exception object of its own (one object
    raised in many threads would collect all of their tracebacks), always a ``TokenError``,
    with the original as ``__cause__``. The shim's own errors are copied, keeping their type
    and fields; anything else - VCR.py refusing an unrecorded request, a custom transport's
    error - cannot be copied safely and is wrapped, its message kept."""
    error: Optional[TokenError] = None
    if isinstance(original, TokenError):
        with contextlib.suppress(Exception):
            error = copy.copy(original)
    if error is None:
        try:
            text = str(original)
        except Exception:
            text = ""
        error = TokenError(redact(f"no token from {token_url}: {type(original).__name__}: {text}"),
                           token_url=token_url)
    error.__cause__ = original
    return error

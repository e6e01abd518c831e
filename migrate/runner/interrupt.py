"""Stopping a run: ctrl-C, and SIGTERM (a CI job cancelled, ``timeout``, ``docker stop``), which
stops a run the way ctrl-C does rather than killing it mid-write.

A KeyboardInterrupt raised between a rename and the note that it happened would leave a file
rewritten that the roll-back does not know of. So while files are renamed, SIGINT and SIGTERM
only set a flag, and ``check`` hands the signal to its handler between renames; where the run
may block (a report written into a pipe no one reads yet) ``released`` lets it through at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["HeldInterrupts", "Termination"]

_HELD = (signal.SIGINT, signal.SIGTERM)
_terminated = False  # SIGTERM reached a Termination's handler


class Termination:
    """While it is entered, SIGTERM raises KeyboardInterrupt, as ctrl-C does; ``received``
    tells the two apart afterwards. Only where SIGTERM would otherwise end the process at
    once (its default): an application that handles SIGTERM keeps its handling."""

    def __init__(self) -> None:
        self._previous: Any = None

    def __enter__(self) -> Termination:
        global _terminated
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            _terminated = False
            self._previous = signal.signal(signal.SIGTERM, _stop)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
            self._previous = None

    @property
    def received(self) -> bool:
        return _terminated


def _stop(signum: int, frame: FrameType | None) -> None:
    global _terminated
    _terminated = True
    raise KeyboardInterrupt


class HeldInterrupts:
    def __init__(self) -> None:
        self.pending: int | None = None  # the first signal held
        self._previous: dict[int, Any] = {}
        self._active = False

    def __enter__(self) -> HeldInterrupts:
        # Signals reach the main thread only. Only signals a Python handler would act on are
        # held: a run that ignores SIGINT (started with '&' by a shell, nohup) keeps
        # ignoring it, and SIGTERM left to its default still ends the process.
        if threading.current_thread() is threading.main_thread():
            for number in _HELD:
                previous = signal.getsignal(number)
                if callable(previous):
                    self._previous[number] = previous
                    signal.signal(number, self._hold)
            self._active = bool(self._previous)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._active:
            for number, previous in self._previous.items():
                signal.signal(number, previous)
            self._active = False

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        if self.pending is None:
            self.pending = signum

    def check(self) -> None:
        """Hand the signal held since the last check, if any, to its own handler (which
        raises KeyboardInterrupt)."""
        if self.pending is not None:
            number, self.pending = self.pending, None
            self._previous[number](number, None)

    @contextmanager
    def released(self) -> Iterator[None]:
        self.check()
        if not self._active:
            yield
            return
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        try:
            yield
        finally:
            for number in self._previous:
                signal.signal(number, self._hold)

"""ctrl-C while a run writes: held, then acted on where stopping is safe.

A KeyboardInterrupt raised between a rename and the note that it happened would leave a file
rewritten that the roll-back does not know of. So while files are renamed, SIGINT only sets a
flag, and ``check`` raises it between renames; where the run may block (a report written into
a pipe no one reads yet) ``released`` lets it through at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["HeldInterrupts"]


class HeldInterrupts:
    def __init__(self) -> None:
        self.pending = False
        self._previous: Any = None
        self._active = False

    def __enter__(self) -> HeldInterrupts:
        # Signals reach the main thread only; a run that ignores SIGINT (started with '&' by
        # a shell, nohup) keeps ignoring it.
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if previous not in (signal.SIG_IGN, None):
                self._previous = previous
                signal.signal(signal.SIGINT, self._hold)
                self._active = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._active:
            signal.signal(signal.SIGINT, self._previous)
            self._active = False

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        self.pending = True

    def check(self) -> None:
        """Raise the KeyboardInterrupt held since the last check, if any."""
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt

    @contextmanager
    def released(self) -> Iterator[None]:
        self.check()
        if not self._active:
            yield
            return
        signal.signal(signal.SIGINT, self._previous)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, self._hold)

"""A progress line on stderr for long runs on a terminal; silent otherwise (CI logs, pipes)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]

_WIDTH = 30


class Progress:
    def __init__(self, total: int, label: str, stream: TextIO | None = None,
                 enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.label = label
        self.done = 0
        self.changed = 0
        self.enabled = (self.stream.isatty() if enabled is None else enabled) and total > 0
        self._last = 0.0

    def advance(self, changed: bool = False) -> None:
        self.done += 1
        self.changed += int(changed)
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.1 or self.done == self.total):
            self._last = now
            filled = _WIDTH * self.done // self.total
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (_WIDTH - filled)}] "
                              f"{self.done}/{self.total} files, {self.changed} to change")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

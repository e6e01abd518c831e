"""A progress line on stderr for long runs on a terminal; silent otherwise (CI logs, pipes).

It counts the files the summary calls scanned, and shows at once: most of a big run is the
analysis across files, before the first file is done."""

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
        self._draw("analysing across files")

    def _draw(self, note: str | None = None) -> None:
        if not self.enabled:
            return
        self._last = time.monotonic()
        filled = _WIDTH * self.done // self.total
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (_WIDTH - filled)}] "
                          f"{self.done}/{self.total} files, "
                          f"{note or f'{self.changed} to change'}\x1b[K")
        self.stream.flush()

    def finished(self, count: int) -> None:
        """Files done without a rewrite pass: nothing in them for the codemods."""
        self.done += count
        self._draw()

    def advance(self, changed: bool = False) -> None:
        self.done += 1
        self.changed += int(changed)
        if time.monotonic() - self._last > 0.1 or self.done == self.total:
            self._draw()

    def close(self, changed: int | None = None) -> None:
        """``changed``: the summary's count, when holding files back has changed it."""
        if self.enabled:
            self.changed = self.changed if changed is None else changed
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

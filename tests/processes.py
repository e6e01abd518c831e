"""The processes of this machine as Linux lists them in /proc, for tests that look for the
worker processes a run left behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["alive", "processes"]


def _fields(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command's name: state, parent, group...; None
    for a process that has gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def processes() -> Iterator[tuple[int, list[str]]]:
    """Every process there is: its pid and its fields (see ``_fields``)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _fields(entry)
            if fields is not None:
                yield int(entry), fields


def alive(pid: int) -> bool:
    fields = _fields(pid)
    return fields is not None and fields[0] != "Z"  # a zombie has ended

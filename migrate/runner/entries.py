"""The cache folder's files - result entries, per-file facts, the half-migration check's
answers: each written whole or not at all (another run may read it at any moment), and only
the newest kept."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["keep_newest", "replace_whole"]


def replace_whole(path: Path, data: bytes) -> None:
    """Atomically: a reader sees the old file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def keep_newest(paths: Iterable[Path], keep: int) -> None:
    """Delete all but the ``keep`` most recently written. Raises OSError."""
    for stale in sorted(paths, key=lambda p: p.stat().st_mtime, reverse=True)[keep:]:
        stale.unlink(missing_ok=True)

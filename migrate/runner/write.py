"""Writing a rewritten file so that nothing is ever left half written: a temporary file in
the same folder, fsynced, given the original's mode, then renamed over the original."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["remove_unchanged", "write_atomically"]


def write_atomically(path: Path, original: bytes, new: bytes) -> str | None:
    """Write ``new`` over ``path`` if it still holds ``original``; the reason it could not
    otherwise (None when written)."""
    try:
        info = path.stat()
        current = path.read_bytes()
    except OSError as exc:
        return f"cannot read it again before writing: {exc.strerror}"
    if not info.st_mode & stat.S_IWUSR:
        return "read-only file; make it writable (chmod u+w) and run again"
    if current != original:
        return "changed while the run was in flight; run again"
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".walmart-migrate")
    except OSError as exc:
        return f"cannot create a file beside it: {exc.strerror}"
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        with contextlib.suppress(PermissionError):
            os.chown(temporary, info.st_uid, info.st_gid)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return f"cannot write: {exc.strerror}"
    return None


def remove_unchanged(path: Path, original: bytes) -> str | None:
    """Delete ``path`` if it still holds ``original``; the reason it could not otherwise."""
    try:
        info = path.stat()
        current = path.read_bytes()
    except OSError as exc:
        return f"cannot read it again before removing it: {exc.strerror}"
    if not info.st_mode & stat.S_IWUSR:
        return "read-only file; make it writable (chmod u+w) and run again"
    if current != original:
        return "changed while the run was in flight; run again"
    try:
        path.unlink()
    except OSError as exc:
        return f"cannot remove it: {exc.strerror}"
    return None

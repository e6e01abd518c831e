"""Unified diffs that ``git apply`` accepts, byte for byte, whatever the file's encoding or
newline style."""

from __future__ import annotations

import difflib

__all__ = ["unified_diff"]

_NO_NEWLINE = "\n\\ No newline at end of file\n"


def unified_diff(path: str, original: bytes, new: bytes, deleted_mode: str | None = None) -> bytes:
    """The diff of one file; with ``deleted_mode`` (``100644``...), the file's removal."""
    # latin-1 maps every byte to one character and back: the diff is computed on the exact
    # bytes (CRLF, BOM, latin-1 text) and written out as those same bytes.
    before = original.decode("latin-1").splitlines(keepends=True)
    after = [] if deleted_mode else new.decode("latin-1").splitlines(keepends=True)
    lines = [f"diff --git a/{path} b/{path}\n"]
    if deleted_mode:
        lines.append(f"deleted file mode {deleted_mode}\n")
    target = "/dev/null" if deleted_mode else f"b/{path}"
    for line in difflib.unified_diff(before, after, f"a/{path}", target, n=3):
        if line.startswith(("---", "+++", "@@")):
            lines.append(line.rstrip("\n") + "\n")
        elif line.endswith("\n"):
            lines.append(line)
        else:
            lines.append(line + _NO_NEWLINE)
    return "".join(lines).encode("latin-1") if len(lines) > 1 else b""

"""Unified diffs that ``git apply`` accepts, byte for byte, whatever the file's encoding or
newline style."""

from __future__ import annotations

import difflib
import os

__all__ = ["unified_diff"]

_NO_NEWLINE = "\n\\ No newline at end of file\n"
_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v", 0x0C: "\\f",
            0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}


def _name(name: str) -> str:
    """A file name as git writes it in a diff: C-quoted, byte by byte in octal, when it has
    bytes outside printable ASCII (a UTF-8 or a latin-1 name alike, whatever the locale)."""
    raw = os.fsencode(name)  # the name's bytes on disk, undecodable ones included
    if all(0x20 <= b < 0x7F and b not in _ESCAPES for b in raw):
        return name
    quoted = "".join(_ESCAPES.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}")
                     for b in raw)
    return f'"{quoted}"'


def unified_diff(path: str, original: bytes, new: bytes, deleted_mode: str | None = None) -> bytes:
    """The diff of one file; with ``deleted_mode`` (``100644``...), the file's removal."""
    # latin-1 maps every byte to one character and back: the diff is computed on the exact
    # bytes (CRLF, BOM, latin-1 text) and written out as those same bytes.
    before = original.decode("latin-1").splitlines(keepends=True)
    after = [] if deleted_mode else new.decode("latin-1").splitlines(keepends=True)
    source, target = _name(f"a/{path}"), _name(f"b/{path}")
    lines = [f"diff --git {source} {target}\n"]
    if deleted_mode:
        lines.append(f"deleted file mode {deleted_mode}\n")
        target = "/dev/null"
    for line in difflib.unified_diff(before, after, source, target, n=3):
        if line.startswith(("---", "+++", "@@")):
            lines.append(line.rstrip("\n") + "\n")
        elif line.endswith("\n"):
            lines.append(line)
        else:
            lines.append(line + _NO_NEWLINE)
    return "".join(lines).encode("latin-1") if len(lines) > 1 else b""

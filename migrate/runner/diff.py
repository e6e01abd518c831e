"""Unified diffs that ``git apply`` accepts, byte for byte, whatever the file's encoding or
newline style."""

from __future__ import annotations

import difflib
import os
from typing import IO

__all__ = ["colour_wanted", "coloured", "unified_diff"]

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


# The colours git uses: headers bold, hunk markers cyan, removed red, added green.
_BOLD, _CYAN, _RED, _GREEN, _RESET = b"\x1b[1m", b"\x1b[36m", b"\x1b[31m", b"\x1b[32m", b"\x1b[m"


def coloured(patch: bytes) -> bytes:
    """The diff for a terminal. Only for one: ``git apply`` rejects the escape codes."""
    out = []
    header = True  # from "diff --git" to the first hunk, "---"/"+++" are file names
    for line in patch.splitlines(keepends=True):
        body, end = (line[:-1], line[-1:]) if line.endswith(b"\n") else (line, b"")
        if line.startswith(b"diff --git "):
            header = True
        elif line.startswith(b"@@"):
            header = False
        if header:
            colour = _BOLD
        elif line.startswith(b"@@"):
            colour = _CYAN
        elif line.startswith(b"-"):
            colour = _RED
        elif line.startswith(b"+"):
            colour = _GREEN
        else:
            out.append(line)
            continue
        out.append(colour + body + _RESET + end)
    return b"".join(out)


def colour_wanted(choice: str, stream: IO[str]) -> bool:
    """``--color``: always, never, or auto - a terminal, and NO_COLOR unset or empty
    (https://no-color.org); a diff sent to a pipe or a file stays plain for ``git apply``."""
    if choice != "auto":
        return choice == "always"
    return not os.environ.get("NO_COLOR") and stream.isatty()

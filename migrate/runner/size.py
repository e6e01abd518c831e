"""The largest file a run parses. LibCST needs about 200 times a file's size in memory (a
59 MB module took it past 11 GB and the process was killed, losing the whole run), so larger
files are skipped with a reason before anything parses them. Hand-written modules stay far
below the default; generated ones above it are better regenerated than rewritten."""

from __future__ import annotations

import re

__all__ = ["DEFAULT_MAX_FILE_SIZE", "describe", "parse_size", "too_large"]

DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
_UNITS = {"": 1, "b": 1, "kb": 1024, "kib": 1024, "mb": 1024 ** 2, "mib": 1024 ** 2,
          "gb": 1024 ** 3, "gib": 1024 ** 3}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(value: object) -> int:
    """Bytes from ``2000000``, ``"512 KB"`` or ``"2MB"`` (KB and MB count 1024s); raises
    ValueError with what is expected."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if match is None or match.group(2).lower() not in _UNITS:
        raise ValueError(f"{value!r} is not a size; write a number of bytes or, e.g., '4MB'")
    size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size <= 0:
        raise ValueError(f"{value!r} is not a size above zero")
    return size


def describe(size: int) -> str:
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


def too_large(size: int, limit: int) -> str:
    """The skipped record's reason."""
    return (f"{describe(size)}, above the {describe(limit)} limit on files to parse; exclude "
            "it, or raise max-file-size in [tool.walmart-migrate] (or --max-file-size)")

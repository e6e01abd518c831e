"""Reading a seller's file without losing anything: encoding declaration, BOM, newline style,
trailing newline - and saying clearly why a file cannot be read as Python 3."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

__all__ = ["Unreadable", "decode_source", "looks_binary", "python2_reason"]

_GENERATED = re.compile(rb"@generated\b")
_COOKIE = re.compile(rb"^(?:\xef\xbb\xbf)?[ \t\f]*#.*?coding[:=]", re.M)
_PY2_PATTERNS = (
    (re.compile(r"^\s*print\s+[\"'\w(][^=(]*$|^\s*print\s+[\"']", re.M), "a print statement"),
    (re.compile(r"^\s*except\s+[\w.]+\s*,\s*\w+\s*:", re.M), "'except X, e:'"),
    (re.compile(r"^\s*exec\s+[\"'\w]", re.M), "an exec statement"),
    (re.compile(r"^\s*raise\s+[\w.]+\s*,", re.M), "'raise E, message'"),
    (re.compile(r"\b0[0-7]+\b(?![.\w])"), "an old-style octal literal"),
    (re.compile(r"(?<![\w\"'])ur[\"']", re.I), "a ur'' string"),
    (re.compile(r"`[^`\n]+`"), "backtick repr"),
    (re.compile(r"\b\d+[lL]\b"), "a long-integer literal"),
)


class Unreadable(Exception):
    """The file is not Python 3 source we can safely rewrite; the message says why."""


@dataclass(frozen=True)
class DecodedSource:
    text: str
    encoding: str


def looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


def is_generated(data: bytes) -> bool:
    """The ``@generated`` convention: a marker near the top of the file."""
    return bool(_GENERATED.search(data[:2048]))


def decode_source(data: bytes) -> DecodedSource:
    """Decode as Python would (BOM, PEP 263 declaration, else UTF-8) or raise ``Unreadable``."""
    if looks_binary(data):
        raise Unreadable("binary content (NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if data.startswith(b"\xef\xbb\xbf") and _COOKIE.search(data[:1024]):
            raise Unreadable("a UTF-8 BOM with a non-UTF-8 coding declaration: Python refuses "
                             "to import it; drop the BOM or the declaration") from None
        if _COOKIE.search(b"\n".join(data.splitlines()[:2])):
            raise Unreadable(f"bad encoding declaration: {exc.msg}") from None
        encoding = "utf-8"  # undecodable bytes on the first lines: say where, below
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            line = data[: exc.start].count(b"\n") + 1
            raise Unreadable(
                f"not valid {encoding} (byte 0x{data[exc.start]:02x} on line {line}); add a "
                "PEP 263 coding declaration or convert the file to UTF-8") from None
        raise Unreadable(f"unknown encoding {encoding!r} in the coding declaration") from None
    return DecodedSource(text, encoding)


def python2_reason(text: str) -> str | None:
    """A short description of Python 2 syntax in ``text``, if that is why it does not parse."""
    for pattern, what in _PY2_PATTERNS:
        match = pattern.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            return f"Python 2 syntax ({what} on line {line})"
    return None

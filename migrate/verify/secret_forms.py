"""The forms a secret takes on the wire, so a search finds it however it was written down:
percent-encoded (a query string, a form body sent with client_secret_post), JSON-escaped
(``\\/``, ``\\uXXXX``, a key whose line breaks are ``\\n``), wrapped differently, or inside
base64 (Basic credentials, a base64 blob in a body).

Two halves: ``readings`` turns a text into the ways it could be read back; ``base64_cores``
turns a secret into base64 fragments that appear wherever it was base64-encoded, whatever
came before it in the encoded data."""

from __future__ import annotations

import base64
import re
from urllib.parse import unquote, unquote_plus

__all__ = ["base64_cores", "compact", "readings"]

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\"\\/bfnrt])")
_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_WHITESPACE = re.compile(r"\s+")
MIN_CORE = 8  # shorter base64 fragments would match by chance


def _unescape(match: re.Match[str]) -> str:
    escape = match.group(1)
    return chr(int(escape[1:], 16)) if escape[0] == "u" else _SIMPLE[escape]


def json_unescaped(text: str) -> str:
    """Backslash escapes undone as JSON (and most languages' string literals) write them;
    works on fragments too, where ``json.loads`` would refuse."""
    return _ESCAPE.sub(_unescape, text) if "\\" in text else text


def readings(text: str) -> list[str]:
    """``text`` as written, percent-decoded (with and without ``+`` as space, twice for
    double encoding) and JSON-unescaped - each distinct reading once."""
    seen = [text]
    for reading in list(seen):
        if "%" in reading or "+" in reading:
            once = [unquote(reading), unquote_plus(reading)]
            seen.extend(once + [unquote(r) for r in once if "%" in r])
    seen.extend(json_unescaped(r) for r in list(seen))
    return list(dict.fromkeys(seen))


def compact(text: str) -> str:
    """Without whitespace: a key re-wrapped at other line lengths still matches."""
    return _WHITESPACE.sub("", text)


def base64_cores(secret: str) -> list[str]:
    """Fragments of the base64 of ``secret`` found in any base64 text that encodes it, at
    each of the three alignments, in the standard and URL-safe alphabets."""
    data = secret.encode("utf-8")
    cores: list[str] = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        # Only characters made of the secret's bits alone: skip those shared with what
        # came before (the offset) and after (padding or the next bytes).
        start = -(-8 * offset // 6)
        end = 8 * (offset + len(data)) // 6
        core = encoded[start:end]
        if len(core) >= MIN_CORE:
            cores.extend([core, core.translate(str.maketrans("+/", "-_"))])
    return list(dict.fromkeys(cores))

"""Bodies as clients read them: gzip and deflate undone, with a bound on the output so a
small compressed "bomb" in a cassette cannot take the machine's memory."""

from __future__ import annotations

import gzip
import zlib

__all__ = ["MAX_DECODED_BYTES", "compress", "decoded_body", "decompress"]

MAX_DECODED_BYTES = 64 * 1024 * 1024


def _codings(content_encoding: str | None) -> list[str]:
    return [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]


def decompress(body: bytes, coding: str) -> bytes | None:
    """``body`` decoded for one content coding; None when it is not that coding, is cut
    short, or would decode past ``MAX_DECODED_BYTES``."""
    if coding in ("gzip", "x-gzip"):
        modes = [16 + zlib.MAX_WBITS]
    elif coding == "deflate":
        modes = [zlib.MAX_WBITS, -zlib.MAX_WBITS]  # zlib-wrapped, or raw as some servers send
    else:
        return None
    for wbits in modes:
        decoder = zlib.decompressobj(wbits)
        try:
            out = decoder.decompress(body, MAX_DECODED_BYTES)
        except zlib.error:
            continue
        if decoder.eof and not decoder.unconsumed_tail:
            return out
    return None


def compress(body: bytes, coding: str) -> bytes:
    if coding in ("gzip", "x-gzip"):
        return gzip.compress(body, mtime=0)
    return zlib.compress(body)


def decoded_body(body: bytes, content_encoding: str | None) -> bytes:
    """The body with its content codings undone, last applied first; as it is when a coding
    is unknown or the data is not what the header says (VCR.py may have decoded it already)."""
    for coding in reversed(_codings(content_encoding)):
        if coding == "identity":
            continue
        decoded = decompress(body, coding)
        if decoded is None:
            return body
        body = decoded
    return body

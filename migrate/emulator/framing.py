"""Reading a request body off the socket as HTTP/1.1 frames it (RFC 9112 section 6),
strictly: a length or chunk size that cannot be trusted is refused, never guessed at -
``int("-1")`` once made the server read until the client hung up, and the client wait for
an answer that never came."""

from __future__ import annotations

import re
from email.message import Message
from io import BufferedIOBase

__all__ = ["MAX_BODY", "BadFraming", "read_body"]

MAX_BODY = 64 * 1024 * 1024  # far above any Marketplace feed; bounds what one request holds
_LENGTH = re.compile(r"[0-9]{1,15}")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")
_LINE = 8192


class BadFraming(ValueError):
    """The body's framing cannot be trusted; the message says what was wrong."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.code = "INVALID_REQUEST.GMP_GATEWAY_API" if status == 400 else \
            "REQUEST_TOO_LARGE.GMP_GATEWAY_API"


def _line(stream: BufferedIOBase) -> bytes:
    line = stream.readline(_LINE + 1)
    if len(line) > _LINE:
        raise BadFraming("a chunk line longer than 8 KiB")
    if not line.endswith(b"\n"):
        raise BadFraming("the body ended inside a chunk")
    return line


def _chunked(stream: BufferedIOBase) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        size_text = _line(stream).split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise BadFraming(f"a chunk size that is not hexadecimal ({size_text[:20]!r})")
        size = int(size_text, 16)
        total += size
        if total > MAX_BODY:
            raise BadFraming(f"a body over {MAX_BODY} bytes", 413)
        if size == 0:
            while _line(stream) not in (b"\r\n", b"\n"):
                pass  # trailer fields, ignored
            return b"".join(chunks)
        chunk = stream.read(size)
        if len(chunk) < size or _line(stream) not in (b"\r\n", b"\n"):
            raise BadFraming("a chunk shorter than its size")
        chunks.append(chunk)


def read_body(headers: Message, stream: BufferedIOBase) -> bytes:
    """The body of the request whose ``headers`` were just read from ``stream``."""
    coding = [c.strip().lower() for c in (headers.get("Transfer-Encoding") or "").split(",")
              if c.strip()]
    if coding:
        if coding[-1] != "chunked":
            raise BadFraming(f"Transfer-Encoding {', '.join(coding)} without chunked last; "
                             "send a Content-Length or chunked")
        return _chunked(stream)
    lengths = {v.strip() for v in headers.get_all("Content-Length") or []}
    if not lengths:
        return b""
    if len(lengths) > 1 or not _LENGTH.fullmatch(next(iter(lengths))):
        raise BadFraming(f"Content-Length {', '.join(sorted(lengths))[:40]!r} is not one "
                         "non-negative number")
    length = int(next(iter(lengths)))
    if length > MAX_BODY:
        raise BadFraming(f"a body over {MAX_BODY} bytes", 413)
    body = stream.read(length) if length else b""
    if len(body) < length:
        raise ConnectionError("the client closed the connection mid-body")
    return body

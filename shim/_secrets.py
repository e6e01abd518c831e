"""Fingerprints instead of secrets, and a logging filter that enforces it.

A fingerprint is ``sha256:`` and the first 8 hex digits of the SHA-256 of the value: enough to
tell two secrets or tokens apart in a log, useless for recovering either.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import threading
import time
from typing import Any

__all__ = ["RedactingFilter", "fingerprint", "install_log_filter", "redact", "remember_basic",
           "remember_secret", "remember_token"]

# Credentials are few and must never show up, however long the process runs: never forgotten.
_credentials: dict[str, None] = {}
# Tokens are many (one per pair every 15 minutes) and worthless once expired, but can still be
# logged for a while after (a queued job retried, a late error report): each is kept until
# TOKEN_RETENTION after it expires. Value -> monotonic time when it may be forgotten.
_tokens: dict[str, float] = {}
TOKEN_RETENTION = 6 * 3600.0
_known_lock = threading.Lock()
# Longest first, so a value that contains another known value is replaced whole.
_ordered: tuple[str, ...] = ()

# Header values that are secret whatever they are: tokens, Basic credentials, signatures.
_SECRET_HEADER = re.compile(
    r"(?i)(WM_SEC\.ACCESS_TOKEN|WM_SEC\.AUTH_SIGNATURE|Authorization)(['\"]?\s*[:=]\s*['\"]?)"
    r"((?:Basic|Bearer)\s+)?([^\s'\",}]+)"
)
# "Basic <base64 of id:secret>" wherever it appears, not only after "Authorization:".
_BASIC = re.compile(r"\b(Basic\s+)([A-Za-z0-9+/]{8,}={0,2})")
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S)
# Bare base64 PKCS#8 RSA keys, as Walmart issued them, start with this DER prefix.
_BARE_KEY = re.compile(r"MII[A-Za-z0-9+/]{3}IBADANBgkqhkiG9w0BAQEFAAS[A-Za-z0-9+/=\n]{40,}")


def _after_fork_in_child() -> None:
    global _known_lock
    _known_lock = threading.Lock()  # another thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def fingerprint(value: str | bytes | None) -> str:
    if value is None:
        return "<none>"
    data = value.encode("utf-8") if isinstance(value, str) else value
    return "sha256:" + hashlib.sha256(data).hexdigest()[:8]


def _reorder() -> None:
    global _ordered
    _ordered = tuple(sorted({*_credentials, *_tokens}, key=len, reverse=True))


def remember_secret(value: str | None) -> None:
    """Let the filter redact this credential (client secret, private key) for good."""
    if value and len(value) >= 6 and value not in _credentials:
        with _known_lock:
            _credentials[value] = None
            _reorder()


def remember_basic(client_id: str | None, client_secret: str | None) -> None:
    """The base64 of ``id:secret`` is the secret too, with or without ``Basic`` before it."""
    if client_id and client_secret:
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        remember_secret(basic)
        remember_secret(basic.rstrip("="))


def remember_token(value: str, lifetime: float, now: float | None = None) -> None:
    """Let the filter redact this token until well after it expires."""
    if len(value) < 6:
        return
    moment = time.monotonic() if now is None else now
    with _known_lock:
        for old in [t for t, until in _tokens.items() if until <= moment]:
            del _tokens[old]
        _tokens[value] = moment + lifetime + TOKEN_RETENTION
        _reorder()


def redact(text: str) -> str:
    """Replace every remembered secret and every secret-shaped value with its fingerprint."""
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, fingerprint(secret))
    text = _PEM.sub(lambda m: f"<private key {fingerprint(m.group(0))}>", text)
    text = _BARE_KEY.sub(lambda m: f"<private key {fingerprint(m.group(0))}>", text)
    text = _BASIC.sub(_redact_basic, text)
    return _SECRET_HEADER.sub(_redact_header, text)


def _redact_basic(match: re.Match[str]) -> str:
    value = match.group(2)
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    # Only credentials ("id:secret"); "Basic information" and the like stay as they are.
    return f"{match.group(1)}{fingerprint(value)}" if b":" in decoded else match.group(0)


def _redact_header(match: re.Match[str]) -> str:
    name, sep, scheme, value = match.group(1), match.group(2), match.group(3) or "", match.group(4)
    if value.startswith("sha256:") or value.startswith("<"):
        return match.group(0)
    return f"{name}{sep}{scheme}{fingerprint(value)}"


class RedactingFilter(logging.Filter):
    """Rewrites each record's message so no remembered secret or token survives it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's problem, not ours to hide
            return True
        cleaned = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            cleaned_exc = redact(str(record.exc_info[1]))
            if cleaned_exc != str(record.exc_info[1]):
                record.exc_info = None
                record.exc_text = None
                cleaned = f"{cleaned} [{cleaned_exc}]"
        record.msg, record.args = cleaned, None
        return True


def install_log_filter(*targets: Any) -> RedactingFilter:
    """Attach one ``RedactingFilter`` to the given handlers or loggers (default: every handler
    on the root logger, which is where propagated records from any library end up)."""
    chosen = targets or tuple(logging.getLogger().handlers)
    redacting = RedactingFilter()
    for target in chosen:
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(redacting)
    return redacting

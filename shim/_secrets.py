"""Fingerprints instead of secrets, and a logging filter that enforces it.

A fingerprint is ``sha256:`` and the first 8 hex digits of the SHA-256 of the value: enough to
tell two secrets or tokens apart in a log, useless for recovering either.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from typing import Any

__all__ = ["RedactingFilter", "fingerprint", "install_log_filter", "redact", "remember_secret"]

_MAX_REMEMBERED = 512
# Insertion-ordered, so the oldest value is forgotten first; a dict keeps lookups O(1) on the
# per-request path (Settings are resolved on every auth_headers call).
_known: dict[str, None] = {}
_known_lock = threading.Lock()

# Header values that are secret whatever they are: tokens, Basic credentials, signatures.
_SECRET_HEADER = re.compile(
    r"(?i)(WM_SEC\.ACCESS_TOKEN|WM_SEC\.AUTH_SIGNATURE|Authorization)(['\"]?\s*[:=]\s*['\"]?)"
    r"((?:Basic|Bearer)\s+)?([^\s'\",}]+)"
)
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S)
# Bare base64 PKCS#8 RSA keys, as Walmart issued them, start with this DER prefix.
_BARE_KEY = re.compile(r"MII[A-Za-z0-9+/]{3}IBADANBgkqhkiG9w0BAQEFAAS[A-Za-z0-9+/=\n]{40,}")


def fingerprint(value: str | bytes | None) -> str:
    if value is None:
        return "<none>"
    data = value.encode("utf-8") if isinstance(value, str) else value
    return "sha256:" + hashlib.sha256(data).hexdigest()[:8]


def remember_secret(value: str | None) -> None:
    """Let the filter redact this exact value wherever it shows up (secrets, tokens, keys)."""
    if value and len(value) >= 6 and value not in _known:
        with _known_lock:
            _known[value] = None
            if len(_known) > _MAX_REMEMBERED:
                del _known[next(iter(_known))]


def redact(text: str) -> str:
    """Replace every remembered secret and every secret-shaped value with its fingerprint."""
    with _known_lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, fingerprint(secret))
    text = _PEM.sub(lambda m: f"<private key {fingerprint(m.group(0))}>", text)
    text = _BARE_KEY.sub(lambda m: f"<private key {fingerprint(m.group(0))}>", text)
    return _SECRET_HEADER.sub(_redact_header, text)


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

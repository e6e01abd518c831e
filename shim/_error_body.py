"""Read Walmart error bodies in all three containers they come in (spec section 4)."""

from __future__ import annotations

import json
from typing import Any

from shim.errors import ErrorDetail

__all__ = ["error_codes", "parse_error_body"]


def _detail(entry: Any) -> ErrorDetail | None:
    if not isinstance(entry, dict):
        return None
    code = entry.get("code")
    if not isinstance(code, str):
        return None
    message = entry.get("description") or entry.get("message") or entry.get("info") or ""
    return ErrorDetail(
        code=code,
        message=str(message),
        field=str(entry.get("field") or ""),
        category=str(entry.get("category") or ""),
        severity=str(entry.get("severity") or ""),
    )


def parse_error_body(body: bytes | str) -> tuple[ErrorDetail, ...]:
    """Details from ``{"error":[...]}``, ``{"errors":{"error":[...]}}`` or ``{"errors":[...]}``.

    Anything else (HTML from a proxy, empty bodies, XML) yields no details rather than raising.
    """
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return ()
    if not isinstance(data, dict):
        return ()
    entries: Any = data.get("error")
    if entries is None:
        errors = data.get("errors")
        entries = errors.get("error") if isinstance(errors, dict) else errors
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        return ()
    return tuple(d for d in (_detail(e) for e in entries) if d is not None)


def error_codes(body: bytes | str) -> tuple[str, ...]:
    return tuple(d.code for d in parse_error_body(body))

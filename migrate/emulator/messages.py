"""Requests and responses as the emulator core sees them, and Walmart-shaped error bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["EmulatorRequest", "EmulatorResponse", "error_response", "json_response"]


@dataclass
class EmulatorRequest:
    """One request: ``url`` is the full URL the client sent (scheme, host, path, query)."""

    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class EmulatorResponse:
    """One answer. ``delay`` and ``drop`` are carried out by the front door, not the core."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    delay: float = 0.0
    drop: bool = False

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body)


def json_response(
    status: int, payload: Any, headers: list[tuple[str, str]] | None = None
) -> EmulatorResponse:
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return EmulatorResponse(
        status=status,
        headers=[("Content-Type", "application/json"), *(headers or [])],
        body=body,
    )


_DESCRIPTIONS = {
    401: ("UNAUTHORIZED", "Unauthorized"),
    403: ("FORBIDDEN", "Forbidden"),
    400: ("INVALID_REQUEST", "Bad Request"),
    404: ("NOT_FOUND", "Not Found"),
    405: ("METHOD_NOT_ALLOWED", "Method Not Allowed"),
    429: ("REQUEST_THRESHOLD_VIOLATED", "Too Many Requests"),
    500: ("SYSTEM_ERROR", "Internal Server Error"),
}


def error_response(
    status: int,
    code: str,
    info: str,
    *,
    field_name: str | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> EmulatorResponse:
    """An error in the ``{"error":[...]}`` container, exactly as the gateway sends a 401."""
    default_field, description = _DESCRIPTIONS.get(status, ("ERROR", "Error"))
    entry: dict[str, Any] = {
        "code": code,
        "field": field_name or default_field,
        "description": description,
        "info": info,
        "severity": "ERROR",
        "category": "DATA" if status < 500 else "SYSTEM",
        "causes": [],
        "errorIdentifiers": {},
    }
    return json_response(status, {"error": [entry]}, headers)

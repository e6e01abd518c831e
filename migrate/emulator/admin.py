"""Control endpoints under ``/__emulator__/`` so tests in another process (a seller's CI,
the demo) can steer a running emulator: inject faults, add responses and clients, read
what it saw, move its clock."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from migrate.emulator.checks import integer, text
from migrate.emulator.config import ClientConfig, ConfigError
from migrate.emulator.messages import EmulatorRequest, EmulatorResponse, json_response

if TYPE_CHECKING:
    from migrate.emulator.core import Emulator

__all__ = ["handle_admin"]


def _exchange_record(exchange: Any) -> dict[str, Any]:
    request = exchange.request
    return {
        "method": request.method,
        "url": request.url,
        "headers": [[k, v] for k, v in request.headers],
        "status": exchange.response.status,
        "client": exchange.client,
        "auth": exchange.auth,
        "fault": exchange.fault,
        "at": exchange.at,
    }


def _bad(message: str) -> EmulatorResponse:
    return json_response(400, {"error": message})


def _check_response(method: Any, payload: dict[str, Any]) -> None:
    text("method", method)
    integer("status", payload.get("status", 200), 100, 599)
    text("body", payload.get("body", ""))
    headers = payload.get("headers") or []
    if not isinstance(headers, list) or not all(
            isinstance(h, list) and len(h) == 2 and all(isinstance(p, str) for p in h)
            for h in headers):
        raise ValueError('headers must be a list of ["name", "value"] pairs')
    payload["headers"] = [tuple(h) for h in headers]


def handle_admin(emulator: Emulator, request: EmulatorRequest, action: str) -> EmulatorResponse:
    try:
        payload: Any = json.loads(request.body) if request.body else {}
    except ValueError:
        return _bad("the body must be JSON")
    if not isinstance(payload, dict):
        return _bad("the body must be a JSON object")
    try:
        if (request.method, action) == ("GET", "health"):
            return json_response(200, {"ok": True, "clients": len(emulator.config.clients)})
        if (request.method, action) == ("GET", "requests"):
            return json_response(200, [_exchange_record(e) for e in emulator.exchanges])
        if (request.method, action) == ("POST", "faults"):
            kind = payload.pop("kind", None)
            if not isinstance(kind, str):
                return _bad("a fault needs a kind")
            emulator.inject(kind, **payload)
            return json_response(201, {"faults": len(emulator.faults)})
        if (request.method, action) == ("POST", "responses"):
            method, path = payload.pop("method", "GET"), payload.pop("path", None)
            if not isinstance(path, str):
                return _bad("a response needs a path")
            _check_response(method, payload)
            emulator.register(method, path, **payload)
            return json_response(201, {"ok": True})
        if (request.method, action) == ("POST", "clients"):
            emulator.add_client(ClientConfig(**payload))
            return json_response(201, {"ok": True})
        if (request.method, action) == ("POST", "advance"):
            emulator.advance(payload.get("seconds", 0))
            return json_response(200, {"now": emulator.now()})
        if (request.method, action) == ("POST", "reset"):
            emulator.reset()
            return json_response(200, {"ok": True})
    except (TypeError, ValueError, ConfigError) as exc:
        return _bad(str(exc))
    return json_response(404, {"error": f"no control endpoint {request.method} {action}"})

"""Fault injection: make an endpoint fail for the next N requests, or for a share of them
(a share with a count fails that share of requests until N faults have been served)."""

from __future__ import annotations

import fnmatch
import random
from dataclasses import dataclass

from migrate.emulator.checks import integer, seconds, share, text
from migrate.emulator.messages import EmulatorResponse, error_response

__all__ = ["FAULT_KINDS", "Fault", "FaultPlan"]

FAULT_KINDS = ("error", "throttle", "delay", "drop", "malformed")


@dataclass
class Fault:
    """One rule. ``path`` is a glob over the request path (``/v3/orders*``, ``/v3/token``)."""

    kind: str
    path: str = "*"
    method: str | None = None
    count: int | None = None
    share: float | None = None
    status: int = 503
    retry_after: float = 1.0
    delay: float = 0.5

    def __post_init__(self) -> None:
        text("kind", self.kind)
        text("path", self.path)
        text("method", self.method, optional=True)
        if self.count is not None:
            integer("count", self.count, 1, 10**9)
        if self.share is not None:
            share("share", self.share)
        integer("status", self.status, 100, 599)
        seconds("retry_after", self.retry_after, high=86400)
        seconds("delay", self.delay, high=3600)
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(FAULT_KINDS)}")
        if self.count is None and self.share is None:
            self.count = 1
        if self.share is not None and not 0.0 <= self.share <= 1.0:
            raise ValueError("share must be between 0 and 1")
        if self.kind == "error" and not 500 <= self.status <= 599:
            raise ValueError("an 'error' fault needs a 5xx status")
        if self.method:
            self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def response(self) -> EmulatorResponse | None:
        """What the fault answers instead of the endpoint; None lets the endpoint answer late."""
        if self.kind == "error":
            return error_response(self.status, "SYSTEM_ERROR.GMP_GATEWAY_API",
                                  "Injected server error")
        if self.kind == "throttle":
            return error_response(
                429, "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API",
                "Request threshold violated",
                headers=[("Retry-After", _seconds(self.retry_after))],
            )
        if self.kind == "drop":
            return EmulatorResponse(status=0, drop=True)
        if self.kind == "malformed":
            return EmulatorResponse(
                status=200,
                headers=[("Content-Type", "application/json")],
                body=b'{"access_token": "eyJ\x00<html>upstream reset',
            )
        return None


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class FaultPlan:
    """The active faults, consulted in the order they were added. Not thread-safe on its own:
    the emulator calls it under its lock."""

    def __init__(self, seed: int | None = None) -> None:
        self._faults: list[Fault] = []
        self._random = random.Random(seed)

    def add(self, fault: Fault) -> Fault:
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        self._faults.clear()

    def __len__(self) -> int:
        return len(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault that applies to this request, if any; counted faults are used up."""
        for fault in list(self._faults):
            if not fault.matches(method, path):
                continue
            if fault.share is not None and self._random.random() >= fault.share:
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
            return fault
        return None

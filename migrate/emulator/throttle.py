"""Per-client, per-category call budgets, reported the way throttled Walmart APIs report them."""

from __future__ import annotations

import math

__all__ = ["Throttle"]


class Throttle:
    """A fixed window per (client, category). Not thread-safe on its own."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}

    def take(self, client: str, category: str, now: float) -> tuple[bool, list[tuple[str, str]]]:
        """Spend one call; returns (allowed, throttling headers for the response)."""
        start, used = self._windows.get((client, category), (now, 0))
        if now - start >= self.window:
            start, used = now, 0
        allowed = used < self.limit
        if allowed:
            used += 1
        self._windows[(client, category)] = (start, used)
        replenish_ms = int((start + self.window) * 1000)
        headers = [
            ("X-Current-Token-Count", str(self.limit - used)),
            ("X-Next-Replenishment-Time", str(replenish_ms)),
        ]
        if not allowed:
            headers.append(("Retry-After", str(max(1, math.ceil(start + self.window - now)))))
        return allowed, headers

    def clear(self) -> None:
        self._windows.clear()

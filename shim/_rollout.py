"""The rollout switch: legacy, OAuth, or a canary share of OAuth, with counters of the path
each call took so the application can watch the migration happen."""

from __future__ import annotations

import os
import random
import threading

from shim._config import Settings, parse_mode

__all__ = ["RolloutCounters", "choose_path", "counters"]


class RolloutCounters:
    """Thread-safe counts of ``oauth``, ``legacy`` and ``fallback`` (legacy because OAuth
    could not be used) calls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {"oauth": 0, "legacy": 0, "fallback": 0}

    def count(self, path: str) -> None:
        with self._lock:
            self._counts[path] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            for path in self._counts:
                self._counts[path] = 0


counters = RolloutCounters()


def _after_fork_in_child() -> None:
    counters._lock = threading.Lock()  # another thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
_random = random.Random()


def choose_path(settings: Settings) -> str:
    """``oauth`` or ``legacy`` for one call, as WALMART_AUTH_MODE (or the argument) says."""
    mode, share = parse_mode(settings.mode)
    if mode == "canary":
        return "oauth" if _random.random() * 100.0 < share else "legacy"
    return mode

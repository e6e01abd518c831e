"""The process-wide token cache: one entry per (token URL, client id, hash of the secret),
so two credential pairs never share a token and two providers for one pair share one."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from typing import Optional

from shim._flight import Flight
from shim._token import AccessToken

__all__ = ["CacheEntry", "CacheKey", "Flight", "cache_entry", "cache_key", "clear_cache"]

CacheKey = tuple[str, str, str]


def cache_key(token_url: str, client_id: str, client_secret: str) -> CacheKey:
    return token_url, client_id, hashlib.sha256(client_secret.encode("utf-8")).hexdigest()


@dataclass
class CacheEntry:
    token: Optional[AccessToken] = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The token request in progress for this pair, whoever leads it.
    flight: Optional[Flight] = None
    # After a failed soft refresh, wait before the next attempt rather than on every call.
    soft_retry_at: float = float("-inf")
    # A 401 storm: new tokens refused in a row, and no refresh after a refusal before this.
    refused_in_a_row: int = 0
    refresh_paused_until: float = float("-inf")
    last_judged: Optional[str] = None


_entries: dict[CacheKey, CacheEntry] = {}
_entries_lock = threading.Lock()


def cache_entry(key: CacheKey) -> CacheEntry:
    with _entries_lock:
        entry = _entries.get(key)
        if entry is None:
            entry = _entries[key] = CacheEntry()
        return entry


def clear_cache() -> None:
    """Forget every cached token (tests, or after rotating credentials in process)."""
    with _entries_lock:
        _entries.clear()


def _after_fork_in_child() -> None:
    """Only the forking thread lives on in the child: a lock another thread held stays locked
    for good, and a flight it led never lands. New locks, no flights; tokens stay valid."""
    global _entries_lock
    _entries_lock = threading.Lock()
    for entry in _entries.values():
        entry.lock = threading.Lock()
        entry.flight = None


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)

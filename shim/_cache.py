"""The process-wide token cache: one entry per (token URL, client id, hash of the secret),
so two credential pairs never share a token and two providers for one pair share one."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import weakref
from dataclasses import dataclass, field
from typing import Optional

from shim._token import AccessToken

__all__ = ["CacheEntry", "CacheKey", "Flight", "cache_entry", "cache_key", "clear_cache"]

CacheKey = tuple[str, str, str]


def cache_key(token_url: str, client_id: str, client_secret: str) -> CacheKey:
    return token_url, client_id, hashlib.sha256(client_secret.encode("utf-8")).hexdigest()


class Flight:
    """One token request that several threads wait on; they all get its token or its error."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.token: Optional[AccessToken] = None
        self.error: Optional[BaseException] = None


@dataclass
class CacheEntry:
    token: Optional[AccessToken] = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    flight: Optional[Flight] = None
    # Async single flights, one per event loop (a task belongs to its loop).
    async_flights: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[AccessToken]] = \
        field(default_factory=weakref.WeakKeyDictionary)
    # After a failed soft refresh, wait before the next attempt rather than on every call.
    soft_retry_at: float = float("-inf")


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

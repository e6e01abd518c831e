"""One provider per credential pair per process, so the rewritten seller code can call
``access_token(...)`` on every request and pay only a dictionary lookup."""

from __future__ import annotations

import os
import threading
from typing import Any, Optional

from shim._cache import cache_key, clear_cache
from shim._config import _VARIABLES, Settings
from shim._provider import TokenProvider

__all__ = ["ProviderAuth", "aaccess_token", "access_token", "provider_for", "reset_registry"]

_by_key: dict[tuple[str, str, str], TokenProvider] = {}
# Fast path: the same arguments and the same WALMART_* environment give the same provider.
_by_call: dict[tuple[Any, ...], TokenProvider] = {}
_lock = threading.Lock()
_ENV_NAMES = tuple(_VARIABLES.values())


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork (see shim._cache)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def provider_for(settings: Settings) -> TokenProvider:
    client_id, client_secret = settings.require_oauth()
    key = cache_key(settings.token_url, client_id, client_secret)
    with _lock:
        provider = _by_key.get(key)
        if provider is None:
            provider = _by_key[key] = TokenProvider(settings=settings)
        return provider


class ProviderAuth:
    """What the httpx and requests auth classes share: credentials (arguments, else WALMART_*
    variables) or a ready provider, resolved once to this process's provider for them."""

    def __init__(self, client_id: Optional[str] = None, client_secret: Optional[str] = None,
                 environment: Optional[str] = None, *, provider: Optional[TokenProvider] = None,
                 raise_on_forbidden: bool = True, **options: Any) -> None:
        self.settings = provider.settings if provider is not None else Settings.resolve(
            client_id=client_id, client_secret=client_secret, environment=environment, **options)
        self.provider = provider or provider_for(self.settings)
        self.raise_on_forbidden = raise_on_forbidden

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider!r})"


def _provider(client_id: Optional[str], client_secret: Optional[str],
              environment: Optional[str], options: dict[str, Any]) -> TokenProvider:
    call = (client_id, client_secret, environment, tuple(sorted(options.items())),
            tuple(os.environ.get(name) for name in _ENV_NAMES))
    provider = _by_call.get(call)
    if provider is None:
        settings = Settings.resolve(client_id=client_id, client_secret=client_secret,
                                    environment=environment, **options)
        provider = provider_for(settings)
        with _lock:
            if len(_by_call) > 1024:  # credentials rotating all day should not grow memory
                _by_call.clear()
            _by_call[call] = provider
    return provider


def access_token(client_id: Optional[str] = None, client_secret: Optional[str] = None,
                 environment: Optional[str] = None, **options: Any) -> str:
    """A valid access token for these credentials (arguments, else WALMART_* variables)."""
    return _provider(client_id, client_secret, environment, options).token()


async def aaccess_token(client_id: Optional[str] = None, client_secret: Optional[str] = None,
                        environment: Optional[str] = None, **options: Any) -> str:
    """``access_token`` for asyncio code: never blocks the event loop."""
    return await _provider(client_id, client_secret, environment, options).atoken()


def reset_registry() -> None:
    """Forget every provider and cached token in this process."""
    with _lock:
        _by_key.clear()
        _by_call.clear()
    clear_cache()

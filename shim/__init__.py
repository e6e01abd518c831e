"""Runtime support for Walmart Marketplace OAuth 2.0 client credentials.

``import shim`` needs only the standard library and httpx; ``WalmartRequestsAuth`` needs
the ``requests`` extra and legacy signing needs the ``legacy`` extra (cryptography). Both are
imported only when first used.

Everyday use::

    headers = {"WM_SEC.ACCESS_TOKEN": shim.access_token(client_id, client_secret), ...}
    headers = {**shim.auth_headers(client_id, client_secret), "Accept": "application/json"}
    client = httpx.Client(auth=shim.WalmartAuth(client_id, client_secret))

Settings come from arguments first, then ``WALMART_*`` environment variables; the table is
in ``shim._config``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shim._cache import clear_cache
    from shim._config import Settings
    from shim._fetch import RetryPolicy
    from shim._headers import aauth_headers, auth_headers, oauth_headers
    from shim._httpx_auth import WalmartAuth
    from shim._provider import TokenProvider
    from shim._registry import aaccess_token, access_token, provider_for, reset_registry
    from shim._requests_auth import WalmartRequestsAuth
    from shim._rollout import RolloutCounters, counters
    from shim._secrets import RedactingFilter, fingerprint, install_log_filter, redact
    from shim._token import AccessToken
    from shim._wire import category_of
    from shim.errors import (
        BodyNotReplayableError,
        ConfigurationError,
        ErrorDetail,
        ScopeError,
        TokenEndpointUnavailable,
        TokenError,
        TokenRejectedError,
        TokenResponseError,
        WalmartAuthError,
    )

# Where each public name lives. Loaded on first use, so that importing one submodule (the
# header names in shim._wire, say) does not pull in httpx and the whole client.
_HOMES = {
    "clear_cache": "_cache", "Settings": "_config", "RetryPolicy": "_fetch",
    "aauth_headers": "_headers", "auth_headers": "_headers", "oauth_headers": "_headers",
    "WalmartAuth": "_httpx_auth", "TokenProvider": "_provider",
    "aaccess_token": "_registry", "access_token": "_registry", "provider_for": "_registry",
    "reset_registry": "_registry", "WalmartRequestsAuth": "_requests_auth",
    "RolloutCounters": "_rollout", "counters": "_rollout",
    "RedactingFilter": "_secrets", "fingerprint": "_secrets", "install_log_filter": "_secrets",
    "redact": "_secrets", "AccessToken": "_token", "category_of": "_wire",
    "BodyNotReplayableError": "errors", "ConfigurationError": "errors", "ErrorDetail": "errors",
    "ScopeError": "errors",
    "TokenEndpointUnavailable": "errors", "TokenError": "errors", "TokenRejectedError": "errors",
    "TokenResponseError": "errors", "WalmartAuthError": "errors",
}

__all__ = [
    "AccessToken",
    "BodyNotReplayableError",
    "ConfigurationError",
    "ErrorDetail",
    "RedactingFilter",
    "RetryPolicy",
    "RolloutCounters",
    "ScopeError",
    "Settings",
    "TokenEndpointUnavailable",
    "TokenError",
    "TokenProvider",
    "TokenRejectedError",
    "TokenResponseError",
    "WalmartAuth",
    "WalmartAuthError",
    "WalmartRequestsAuth",
    "aaccess_token",
    "aauth_headers",
    "access_token",
    "auth_headers",
    "category_of",
    "clear_cache",
    "counters",
    "fingerprint",
    "install_log_filter",
    "oauth_headers",
    "provider_for",
    "redact",
    "reset_registry",
    "rollout_counts",
]


def rollout_counts() -> dict[str, int]:
    """How many calls took each path so far: ``{"oauth": n, "legacy": n, "fallback": n}``."""
    from shim._rollout import counters

    return counters.snapshot()


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'shim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"shim.{home}"), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

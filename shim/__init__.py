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

from typing import TYPE_CHECKING, Any

from shim._cache import clear_cache
from shim._config import Settings
from shim._fetch import RetryPolicy
from shim._headers import aauth_headers, auth_headers, oauth_headers
from shim._httpx_auth import WalmartAuth
from shim._provider import TokenProvider
from shim._registry import aaccess_token, access_token, provider_for, reset_registry
from shim._rollout import RolloutCounters, counters
from shim._secrets import RedactingFilter, fingerprint, install_log_filter, redact
from shim._token import AccessToken
from shim._wire import category_of
from shim.errors import (
    ConfigurationError,
    ErrorDetail,
    ScopeError,
    TokenEndpointUnavailable,
    TokenError,
    TokenRejectedError,
    TokenResponseError,
    WalmartAuthError,
)

if TYPE_CHECKING:
    from shim._requests_auth import WalmartRequestsAuth

__all__ = [
    "AccessToken",
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
    return counters.snapshot()


def __getattr__(name: str) -> Any:
    if name == "WalmartRequestsAuth":
        from shim._requests_auth import WalmartRequestsAuth

        return WalmartRequestsAuth
    raise AttributeError(f"module 'shim' has no attribute {name!r}")

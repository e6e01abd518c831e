"""``auth_headers``: the full header set for one call, by OAuth or - during a rollout - by the
legacy signature, as the rollout switch decides."""

from __future__ import annotations

import base64
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any, Optional

from shim._config import Settings
from shim._registry import provider_for
from shim._rollout import choose_path, counters
from shim._wire import ACCESS_TOKEN, CHANNEL_TYPE, CORRELATION_ID, MARKET, SVC_NAME
from shim.errors import ConfigurationError, TokenEndpointUnavailable

__all__ = ["aauth_headers", "auth_headers", "oauth_headers"]

log = logging.getLogger("shim")


def oauth_headers(settings: Settings, token: str,
                  existing: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """Headers for an OAuth call; values the caller already set for the service name and
    correlation id are kept (``existing`` is matched case-insensitively)."""
    have = {k.lower() for k in existing} if existing else set()
    headers = {ACCESS_TOKEN: token}
    if SVC_NAME.lower() not in have:
        headers[SVC_NAME] = settings.svc_name
    if CORRELATION_ID.lower() not in have:
        headers[CORRELATION_ID] = str(uuid.uuid4())
    if settings.channel_type and CHANNEL_TYPE.lower() not in have:
        headers[CHANNEL_TYPE] = settings.channel_type
    if settings.market and MARKET.lower() not in have:
        headers[MARKET] = settings.market
    if settings.send_basic_auth:
        client_id, client_secret = settings.require_oauth()
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        headers["Authorization"] = f"Basic {basic}"
    return headers


def _legacy_headers(settings: Settings, url: Optional[str], method: Optional[str]) -> dict[str, str]:
    missing = [name for name, value in (("consumer_id", settings.consumer_id),
                                        ("private_key", settings.private_key),
                                        ("url", url), ("method", method)) if not value]
    if missing:
        raise ConfigurationError(
            f"legacy signing needs {', '.join(missing)}: pass them to auth_headers (or set "
            "WALMART_CONSUMER_ID / WALMART_PRIVATE_KEY)"
        )
    from shim._legacy import cached_private_key, legacy_headers

    assert settings.consumer_id and settings.private_key and url and method
    headers = {SVC_NAME: settings.svc_name, CORRELATION_ID: str(uuid.uuid4())}
    if settings.channel_type:
        headers[CHANNEL_TYPE] = settings.channel_type
    key = cached_private_key(settings.private_key)
    headers.update(legacy_headers(settings.consumer_id, key, url, method,
                                  str(int(time.time() * 1000))))
    return headers


def _can_fall_back(settings: Settings, exc: Exception) -> bool:
    if not settings.legacy_fallback or not (settings.consumer_id and settings.private_key):
        return False
    return isinstance(exc, (ConfigurationError, TokenEndpointUnavailable))


def _settings(client_id: Optional[str], client_secret: Optional[str],
              options: dict[str, Any]) -> Settings:
    return Settings.resolve(client_id=client_id, client_secret=client_secret, **options)


def _signed(settings: Settings, url: Optional[str], method: Optional[str],
            path: str) -> dict[str, str]:
    headers = _legacy_headers(settings, url, method)
    counters.count(path)
    return headers


def _fall_back(settings: Settings, url: Optional[str], method: Optional[str],
               exc: Exception) -> dict[str, str]:
    log.warning("OAuth unavailable for this call (%s); signing the legacy way", exc)
    return _signed(settings, url, method, "fallback")


def _with_token(settings: Settings, token: str) -> dict[str, str]:
    counters.count("oauth")
    return oauth_headers(settings, token)


def auth_headers(client_id: Optional[str] = None, client_secret: Optional[str] = None, *,
                 url: Optional[str] = None, method: Optional[str] = None,
                 **options: Any) -> dict[str, str]:
    """Every header a Walmart call needs besides ``Accept`` and ``Content-Type``.

    Options: environment, svc_name, channel_type, market, send_basic_auth, mode,
    legacy_fallback, consumer_id, private_key, token_timeout (see ``shim._config``).
    With ``mode`` legacy (or a canary share) and ``consumer_id``, ``private_key``, ``url``
    and ``method``, returns signed legacy headers instead of the token.
    """
    settings = _settings(client_id, client_secret, options)
    if choose_path(settings) == "legacy":
        return _signed(settings, url, method, "legacy")
    try:
        token = provider_for(settings).token()
    except (ConfigurationError, TokenEndpointUnavailable) as exc:
        if not _can_fall_back(settings, exc):
            raise
        return _fall_back(settings, url, method, exc)
    return _with_token(settings, token)


async def aauth_headers(client_id: Optional[str] = None, client_secret: Optional[str] = None, *,
                        url: Optional[str] = None, method: Optional[str] = None,
                        **options: Any) -> dict[str, str]:
    """``auth_headers`` for asyncio code: the token fetch never blocks the event loop."""
    settings = _settings(client_id, client_secret, options)
    if choose_path(settings) == "legacy":
        return _signed(settings, url, method, "legacy")
    try:
        token = await provider_for(settings).atoken()
    except (ConfigurationError, TokenEndpointUnavailable) as exc:
        if not _can_fall_back(settings, exc):
            raise
        return _fall_back(settings, url, method, exc)
    return _with_token(settings, token)

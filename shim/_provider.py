"""``TokenProvider``: a cached, early-refreshed, single-flight client-credentials token."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
import uuid
from typing import Any, Callable, Optional

import httpx

from shim._cache import CacheEntry, Flight, cache_entry, cache_key
from shim._config import Settings
from shim._fetch import RetryPolicy, TokenFetcher
from shim._secrets import fingerprint
from shim._token import AccessToken
from shim._wire import ACCESS_TOKEN, CHANNEL_TYPE, CORRELATION_ID, SVC_NAME, TOKEN_PATH
from shim.errors import TokenError, TokenResponseError

__all__ = ["TokenProvider"]

log = logging.getLogger("shim")

# How long to leave the endpoint alone after a failed refresh in the soft window.
SOFT_RETRY_PAUSE = 5.0


class TokenProvider:
    """Client-credentials tokens for one Client ID / Client Secret in one environment.

    ``token()`` (threads) and ``atoken()`` (asyncio) return a valid token, fetching one only
    when needed: outside the refresh window they return the cached token; in the soft
    window (the last min(60 s, 10% of the lifetime)) one caller refreshes while the rest
    keep the still-valid token; in the hard window, or with no token, every caller waits
    on a single request. Providers built for the same credentials share one cache entry.
    """

    def __init__(self, client_id: Optional[str] = None, client_secret: Optional[str] = None,
                 environment: Optional[str] = None, *, svc_name: Optional[str] = None,
                 channel_type: Optional[str] = None, market: Optional[str] = None,
                 timeout: Optional[float] = None, retry: Optional[RetryPolicy] = None,
                 client: Optional[httpx.Client] = None,
                 async_client: Optional[httpx.AsyncClient] = None,
                 clock: Callable[[], float] = time.monotonic,
                 settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings.resolve(
            client_id=client_id, client_secret=client_secret, environment=environment,
            svc_name=svc_name, channel_type=channel_type, market=market, token_timeout=timeout)
        self.clock = clock
        retry = retry or RetryPolicy(attempts=self.settings.token_attempts)
        self._fetcher = TokenFetcher(self.settings, retry, clock, client,
                                     async_client)
        self.client_id = self._fetcher.client_id
        self.token_url = self._fetcher.token_url
        self.key = cache_key(self.token_url, self.client_id, self.settings.client_secret or "")
        self._entry: CacheEntry = cache_entry(self.key)

    def __repr__(self) -> str:
        return (f"TokenProvider(client_id={self.client_id!r}, "
                f"secret={fingerprint(self.settings.client_secret)}, token_url={self.token_url!r})")

    __str__ = __repr__

    @property
    def cached(self) -> Optional[AccessToken]:
        return self._entry.token

    # -- threads -------------------------------------------------------------------------
    def token(self) -> str:
        entry, now = self._entry, self.clock()
        current = entry.token
        if current is not None and now < current.soft_at:
            return current.value
        if current is not None and now < current.hard_at:
            return self._soft_refresh(entry, current, now)
        return self._single_flight(entry).value

    def _soft_refresh(self, entry: CacheEntry, current: AccessToken, now: float) -> str:
        with entry.lock:
            lead = entry.flight is None and now >= entry.soft_retry_at
            if lead:
                flight = entry.flight = Flight()
        if not lead:
            return current.value  # someone else is refreshing; this token is still good
        self._fly(entry, flight)
        if flight.error is not None:
            log.warning("early refresh for client %s failed, keeping token %s: %s",
                        self.client_id, fingerprint(current.value), flight.error)
            with entry.lock:
                entry.soft_retry_at = self.clock() + SOFT_RETRY_PAUSE
            return current.value
        assert flight.token is not None
        return flight.token.value

    def _single_flight(self, entry: CacheEntry) -> AccessToken:
        with entry.lock:
            flight = entry.flight
            lead = flight is None
            if flight is None:
                flight = entry.flight = Flight()
        if lead:
            self._fly(entry, flight)
        else:
            flight.done.wait()
        if flight.error is not None:
            # Each waiter raises its own copy: one exception object raised in many threads
            # would collect all of their tracebacks.
            raise copy.copy(flight.error) from None
        assert flight.token is not None
        return flight.token

    def _fly(self, entry: CacheEntry, flight: Flight) -> None:
        try:
            flight.token = self._fetcher.fetch()
        except BaseException as exc:
            flight.error = exc
            if not isinstance(exc, Exception):
                raise
        finally:
            with entry.lock:
                if flight.token is not None:
                    entry.token = flight.token
                    entry.soft_retry_at = float("-inf")
                entry.flight = None
            flight.done.set()

    # -- asyncio -------------------------------------------------------------------------
    async def atoken(self) -> str:
        entry, now = self._entry, self.clock()
        current = entry.token
        if current is not None and now < current.soft_at:
            return current.value
        task = self._async_flight(entry, soft=current is not None and now < current.hard_at)
        if current is not None and now < current.hard_at:
            return current.value  # the refresh runs in the background; this token is still good
        assert task is not None
        return (await asyncio.shield(task)).value

    def _async_flight(self, entry: CacheEntry, soft: bool) -> Optional[asyncio.Task[AccessToken]]:
        loop = asyncio.get_running_loop()
        task = entry.async_flights.get(loop)
        if task is not None and not task.done():
            return task
        if soft and self.clock() < entry.soft_retry_at:
            return None
        task = loop.create_task(self._afly(entry, soft))
        # A background refresh may fail with nobody awaiting it; _afly has logged it already.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        entry.async_flights[loop] = task
        return task

    async def _afly(self, entry: CacheEntry, soft: bool) -> AccessToken:
        try:
            token = await self._fetcher.afetch()
        except TokenError as exc:
            if soft:
                log.warning("early refresh for client %s failed, keeping the current token: %s",
                            self.client_id, exc)
                with entry.lock:
                    entry.soft_retry_at = self.clock() + SOFT_RETRY_PAUSE
            raise
        with entry.lock:
            entry.token = token
            entry.soft_retry_at = float("-inf")
        return token

    # -- shared ---------------------------------------------------------------------------
    def invalidate(self, token: str) -> bool:
        """Drop the cached token only if it is still ``token``: a 401 on a request made with
        an old token must not throw away the new one another caller already fetched."""
        with self._entry.lock:
            current = self._entry.token
            if current is not None and current.value == token:
                self._entry.token = None
                log.info("token %s for client %s invalidated", fingerprint(token), self.client_id)
                return True
        return False

    def _detail_request(self, token: str) -> dict[str, str]:
        headers = {ACCESS_TOKEN: token, SVC_NAME: self.settings.svc_name,
                   CORRELATION_ID: str(uuid.uuid4()), "Accept": "application/json"}
        if self.settings.channel_type:
            headers[CHANNEL_TYPE] = self.settings.channel_type
        return headers

    def token_detail(self) -> dict[str, Any]:
        """``GET /v3/token/detail`` for the current token: validity and per-category scopes."""
        url = self.settings.base_url + TOKEN_PATH + "/detail"
        with self._fetcher.http() as client:
            response = client.get(url, headers=self._detail_request(self.token()))
        return _detail_answer(response, url)

    async def atoken_detail(self) -> dict[str, Any]:
        url = self.settings.base_url + TOKEN_PATH + "/detail"
        token = await self.atoken()
        async with self._fetcher.ahttp() as client:
            response = await client.get(url, headers=self._detail_request(token))
        return _detail_answer(response, url)


def _detail_answer(response: httpx.Response, url: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict):
        raise TokenResponseError(f"{url} answered {response.status_code} without token detail",
                                 token_url=url, status=response.status_code)
    return data

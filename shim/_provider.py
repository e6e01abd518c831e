"""``TokenProvider``: a cached, early-refreshed, single-flight client-credentials token."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any, Callable, Optional

import httpx

from shim._cache import CacheEntry, cache_entry, cache_key
from shim._config import Settings
from shim._deadline import Deadline
from shim._fetch import RetryPolicy, TokenFetcher
from shim._flight import Flight, shared_error
from shim._secrets import fingerprint
from shim._token import AccessToken
from shim._wire import ACCESS_TOKEN, CHANNEL_TYPE, CORRELATION_ID, SVC_NAME, TOKEN_PATH
from shim.errors import TokenEndpointUnavailable, TokenError, TokenResponseError

__all__ = ["TokenProvider"]

log = logging.getLogger("shim")

# How long to leave the endpoint alone after a failed refresh in the soft window.
SOFT_RETRY_PAUSE = 5.0
# After a new token was refused as well: no refresh-on-refusal for 5 s, doubling each time
# it happens again, up to 5 minutes.
STORM_FIRST_PAUSE, STORM_MAX_PAUSE = 5.0, 300.0


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
                 timeout: Optional[float] = None, deadline: Optional[float] = None,
                 retry: Optional[RetryPolicy] = None,
                 client: Optional[httpx.Client] = None,
                 async_client: Optional[httpx.AsyncClient] = None,
                 clock: Callable[[], float] = time.monotonic,
                 settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings.resolve(
            client_id=client_id, client_secret=client_secret, environment=environment,
            svc_name=svc_name, channel_type=channel_type, market=market, token_timeout=timeout,
            token_deadline=deadline)
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
            flight = self._start_soft(entry, now)
            if flight is not None:
                self._fly(entry, flight)
                if flight.token is not None:
                    return flight.token.value
            return current.value  # refreshing elsewhere, or failed: this token is still good
        return self._wait_for_token(entry).value

    def _wait_for_token(self, entry: CacheEntry) -> AccessToken:
        deadline = Deadline(self.settings.token_deadline)
        while True:
            ready, flight, lead = self._join(entry)
            if ready is not None:
                return ready
            if lead:
                self._fly(entry, flight)
            elif flight.led_from_this_thread_loop():
                return self._store(entry, self._fetcher.fetch())
            elif not flight.done.wait(deadline.left()):
                raise self._waited_too_long(deadline)
            if flight.token is not None:
                return flight.token
            if flight.error is not None:
                raise self._error_for(flight.error, lead)
            if deadline.passed:  # abandoned flights, one after another
                raise self._waited_too_long(deadline)

    def _fly(self, entry: CacheEntry, flight: Flight) -> None:
        token: Optional[AccessToken] = None
        error: Optional[BaseException] = None
        try:
            token = self._fetcher.fetch()
        except Exception as exc:
            error = exc
        finally:  # an interrupt lands the flight as abandoned, then goes on up
            self._land(entry, flight, token, error)

    # -- asyncio -------------------------------------------------------------------------
    async def atoken(self) -> str:
        entry, now = self._entry, self.clock()
        current = entry.token
        if current is not None and now < current.soft_at:
            return current.value
        if current is not None and now < current.hard_at:
            flight = self._start_soft(entry, now)
            if flight is not None:
                self._launch(entry, flight)
            return current.value  # the refresh runs in the background; this token is still good
        return (await self._await_token(entry)).value

    async def _await_token(self, entry: CacheEntry) -> AccessToken:
        deadline = Deadline(self.settings.token_deadline)
        while True:
            ready, flight, lead = self._join(entry)
            if ready is not None:
                return ready
            if lead:
                self._launch(entry, flight)
            if not await flight.wait_async(deadline.left()):
                raise self._waited_too_long(deadline)
            if flight.token is not None:
                return flight.token
            if flight.error is not None:
                raise self._error_for(flight.error, lead)
            if deadline.passed:
                raise self._waited_too_long(deadline)

    def _launch(self, entry: CacheEntry, flight: Flight) -> None:
        # A task of its own: cancelling the caller that started it must not cancel the
        # request everyone else waits on.
        flight.loop = asyncio.get_running_loop()
        flight.task = flight.loop.create_task(self._afly(entry, flight))

    async def _afly(self, entry: CacheEntry, flight: Flight) -> None:
        token: Optional[AccessToken] = None
        error: Optional[BaseException] = None
        try:
            token = await self._fetcher.afetch()
        except Exception as exc:
            error = exc
        finally:  # cancelled (its loop shutting down): abandoned, and waiters elsewhere go on
            self._land(entry, flight, token, error)

    # -- flights, whoever leads them ------------------------------------------------------
    def _start_soft(self, entry: CacheEntry, now: float) -> Optional[Flight]:
        with entry.lock:
            if entry.flight is not None or now < entry.soft_retry_at:
                return None
            flight = entry.flight = Flight(soft=True)
            return flight

    def _join(self, entry: CacheEntry) -> tuple[Optional[AccessToken], Flight, bool]:
        """(a token someone just landed, -, -) or (None, the flight to wait on, whether this
        caller leads it)."""
        with entry.lock:
            current = entry.token
            if current is not None and self.clock() < current.hard_at:
                return current, Flight(), False
            if entry.flight is None:
                entry.flight = Flight()
                return None, entry.flight, True
            return None, entry.flight, False

    def _store(self, entry: CacheEntry, token: AccessToken) -> AccessToken:
        with entry.lock:
            entry.token = token
            entry.soft_retry_at = float("-inf")
        return token

    def _land(self, entry: CacheEntry, flight: Flight, token: Optional[AccessToken],
              error: Optional[BaseException]) -> None:
        with entry.lock:
            if token is not None:
                entry.token = token
                entry.soft_retry_at = float("-inf")
            elif flight.soft and error is not None:
                entry.soft_retry_at = self.clock() + SOFT_RETRY_PAUSE
            if entry.flight is flight:
                entry.flight = None
        if flight.soft and error is not None:
            log.warning("early refresh for client %s failed, keeping the current token: %s",
                        self.client_id, error)
        flight.land(token, error)

    def _error_for(self, error: BaseException, lead: bool) -> BaseException:
        if lead and isinstance(error, TokenError):
            return error  # raised once, in the thread that made the request
        return shared_error(error, self.token_url)

    def _waited_too_long(self, deadline: Deadline) -> TokenEndpointUnavailable:
        return TokenEndpointUnavailable(
            f"no token from {self.token_url} within the {deadline.seconds:g}s token deadline "
            "(WALMART_TOKEN_DEADLINE) while waiting on a request already in progress",
            token_url=self.token_url)

    # -- refusals -------------------------------------------------------------------------
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

    def may_refresh(self) -> bool:
        """False while backing off: a new token fetched after a refusal was refused too, so
        another one would most likely go the same way (a 401 storm)."""
        return self.clock() >= self._entry.refresh_paused_until

    def refresh_outcome(self, token: str, helped: bool) -> None:
        """Told by the auth hooks whether the retry with the new ``token`` was accepted."""
        entry = self._entry
        with entry.lock:
            if helped:
                entry.refused_in_a_row = 0
                return
            if entry.last_judged == token:  # many callers retried with the same new token
                return
            entry.last_judged = token
            entry.refused_in_a_row += 1
            pause = min(STORM_MAX_PAUSE, STORM_FIRST_PAUSE * 2 ** min(entry.refused_in_a_row - 1, 10))
            entry.refresh_paused_until = self.clock() + pause
        log.warning("a new token %s for client %s was refused too; no new token after a refusal "
                    "for %gs (check the channel type, the market and the environment)",
                    fingerprint(token), self.client_id, pause)

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

"""One client-credentials token request (spec section 2), with bounded, jittered retries."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.utils
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

import httpx

from shim._config import Settings
from shim._diagnosis import token_rejection
from shim._error_body import parse_error_body
from shim._secrets import fingerprint
from shim._token import AccessToken, parse_token_answer
from shim._wire import CHANNEL_TYPE, CORRELATION_ID, MARKET, SVC_NAME
from shim.errors import TokenEndpointUnavailable, TokenRejectedError

__all__ = ["RetryPolicy", "TokenFetcher"]

log = logging.getLogger("shim")

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` requests at most; waits grow as base * 2**n, half fixed and half random,
    capped at ``max_delay``; a ``Retry-After`` is honoured up to ``max_retry_after``, beyond
    which the provider gives up at once instead of sleeping through the caller's request."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)

    def backoff(self, attempt: int) -> float:
        cap = min(self.max_delay, self.base_delay * 2.0 ** attempt)
        return cap / 2 + random.uniform(0, cap / 2)


def _retry_after(response: httpx.Response) -> Optional[float]:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(str(value)))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


Outcome = Union[AccessToken, float]


class TokenFetcher:
    """Knows how to ask for a token; knows nothing of caching or of who is waiting."""

    def __init__(self, settings: Settings, retry: RetryPolicy, clock: Callable[[], float],
                 client: Optional[httpx.Client] = None,
                 async_client: Optional[httpx.AsyncClient] = None) -> None:
        self.settings = settings
        self.client_id, self._client_secret = settings.require_oauth()
        self.token_url = settings.token_url
        self.retry = retry
        self.clock = clock
        self._client = client
        self._async_client = async_client

    def _request_headers(self) -> dict[str, str]:
        basic = base64.b64encode(f"{self.client_id}:{self._client_secret}".encode()).decode()
        headers = {
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            SVC_NAME: self.settings.svc_name,
            CORRELATION_ID: str(uuid.uuid4()),
        }
        if self.settings.channel_type:
            headers[CHANNEL_TYPE] = self.settings.channel_type
        if self.settings.market:
            headers[MARKET] = self.settings.market
        return headers

    def _give_up(self, reason: str, attempt: int, status: Optional[int] = None) -> TokenEndpointUnavailable:
        return TokenEndpointUnavailable(
            f"no token from {self.token_url} after {attempt + 1} attempt(s): {reason}; "
            "the token endpoint is down or unreachable - retry later or check the network/proxy",
            token_url=self.token_url, status=status,
        )

    def _after_error(self, exc: httpx.HTTPError, attempt: int) -> float:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if attempt + 1 >= self.retry.attempts:
            raise self._give_up(reason, attempt) from None
        delay = self.retry.backoff(attempt)
        log.warning("token request to %s failed (%s); retry %d of %d in %.2fs", self.token_url,
                    reason, attempt + 1, self.retry.attempts - 1, delay)
        return delay

    def _after_answer(self, response: httpx.Response, started: float, attempt: int) -> Outcome:
        status = response.status_code
        if 200 <= status < 300:
            token = parse_token_answer(response.content, response.headers.get("content-type", ""),
                                       started, self.token_url)
            log.info("token %s obtained for client %s from %s, expires in %gs",
                     fingerprint(token.value), self.client_id, self.token_url, token.expires_in)
            return token
        details = parse_error_body(response.content)
        if status in _RETRY_STATUSES:
            reason = f"{status} {details[0].code if details else response.reason_phrase}"
            wait = _retry_after(response)
            if wait is not None and wait > self.retry.max_retry_after:
                raise self._give_up(f"{reason}, asked to wait {wait:.0f}s", attempt, status)
            if attempt + 1 >= self.retry.attempts:
                raise self._give_up(reason, attempt, status)
            delay = wait if wait is not None else self.retry.backoff(attempt)
            log.warning("token request to %s answered %s; retry %d of %d in %.2fs",
                        self.token_url, reason, attempt + 1, self.retry.attempts - 1, delay)
            return delay
        message, diagnoses = token_rejection(status, self.token_url, self._client_secret, details)
        raise TokenRejectedError(message, token_url=self.token_url, status=status,
                                 details=details, diagnoses=diagnoses)

    def fetch(self) -> AccessToken:
        for attempt in range(self.retry.attempts):
            started = self.clock()
            log.debug("requesting a token from %s for client %s (attempt %d)", self.token_url,
                      self.client_id, attempt + 1)
            try:
                with self.http() as client:
                    response = self._post(client)
            except httpx.HTTPError as exc:
                outcome: Outcome = self._after_error(exc, attempt)
            else:
                outcome = self._after_answer(response, started, attempt)
            if isinstance(outcome, AccessToken):
                return outcome
            self.retry.sleep(outcome)
        raise self._give_up("no attempts allowed", self.retry.attempts - 1)

    async def afetch(self) -> AccessToken:
        for attempt in range(self.retry.attempts):
            started = self.clock()
            log.debug("requesting a token from %s for client %s (attempt %d)", self.token_url,
                      self.client_id, attempt + 1)
            try:
                async with self.ahttp() as client:
                    response = await self._apost(client)
            except httpx.HTTPError as exc:
                outcome: Outcome = self._after_error(exc, attempt)
            else:
                outcome = self._after_answer(response, started, attempt)
            if isinstance(outcome, AccessToken):
                return outcome
            await self.retry.async_sleep(outcome)
        raise self._give_up("no attempts allowed", self.retry.attempts - 1)

    @contextlib.contextmanager
    def http(self) -> Iterator[httpx.Client]:
        """The seller's own client when given (proxies, mTLS), else a short-lived one."""
        if self._client is not None:
            yield self._client
            return
        with httpx.Client(timeout=self.settings.token_timeout) as client:
            yield client

    @contextlib.asynccontextmanager
    async def ahttp(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._async_client is not None:
            yield self._async_client
            return
        async with httpx.AsyncClient(timeout=self.settings.token_timeout) as client:
            yield client

    def _post(self, client: httpx.Client) -> httpx.Response:
        return client.post(self.token_url, headers=self._request_headers(),
                           content=b"grant_type=client_credentials",
                           timeout=self.settings.token_timeout)

    async def _apost(self, client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(self.token_url, headers=self._request_headers(),
                                 content=b"grant_type=client_credentials",
                                 timeout=self.settings.token_timeout)

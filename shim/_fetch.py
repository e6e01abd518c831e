"""One client-credentials token request (spec section 2), with bounded, jittered retries."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.utils
import logging
import random
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

import httpx

from shim._config import Settings
from shim._deadline import Deadline, PastDeadline, call_before
from shim._diagnosis import token_rejection
from shim._error_body import parse_error_body
from shim._secrets import fingerprint
from shim._token import AccessToken, parse_token_answer
from shim._wire import CHANNEL_TYPE, CORRELATION_ID, MARKET, SVC_NAME
from shim.errors import TokenEndpointUnavailable, TokenRejectedError, TokenResponseError

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
# The answer's status and headers, and its body read in full.
Answer = tuple[httpx.Response, bytes]


# Far above any token answer (about 1 KB); bounds memory against a broken or hostile endpoint
# while still letting an oversized token be refused by name (see shim._token).
MAX_ANSWER_BYTES = 16 * 1024 * 1024


def _load_transport() -> ssl.SSLContext:
    """What a token request's client needs, made before any request: the TLS context its
    clients share, httpx's transport (httpcore, imported when the first client is made) and
    the codec the first name lookup imports.

    A token request makes its client in the thread that leads the request. A process forked
    while that thread is importing a module or making a TLS context (a pre-forking server
    starting its workers, a job runner) keeps the module half made, or the lock held, for
    good: every token request in the child then fails or waits out its deadline. So they are
    made where the provider is made, at start-up as a rule."""
    import encodings.idna  # noqa: F401

    import httpcore  # noqa: F401

    return httpx.create_ssl_context(verify=True, trust_env=True)


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
        self._tls = _load_transport() if client is None or async_client is None else None

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

    def _out_of_time(self, deadline: Deadline, attempt: int, reason: str,
                     status: Optional[int] = None) -> TokenEndpointUnavailable:
        return self._give_up(f"{reason}, and the {deadline.seconds:g}s token deadline "
                             "(WALMART_TOKEN_DEADLINE) leaves no time to wait", attempt, status)

    def _after_error(self, exc: httpx.HTTPError, attempt: int) -> float:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if attempt + 1 >= self.retry.attempts:
            raise self._give_up(reason, attempt) from None
        delay = self.retry.backoff(attempt)
        log.warning("token request to %s failed (%s); retry %d of %d in %.2fs", self.token_url,
                    reason, attempt + 1, self.retry.attempts - 1, delay)
        return delay

    def _after_answer(self, answer: Answer, started: float, attempt: int,
                      deadline: Deadline) -> Outcome:
        response, body = answer
        status = response.status_code
        if 200 <= status < 300:
            token = parse_token_answer(body, response.headers.get("content-type", ""),
                                       started, self.token_url)
            log.info("token %s obtained for client %s from %s, expires in %gs",
                     fingerprint(token.value), self.client_id, self.token_url, token.expires_in)
            return token
        details = parse_error_body(body)
        if status in _RETRY_STATUSES:
            reason = f"{status} {details[0].code if details else response.reason_phrase}"
            wait = _retry_after(response)
            if wait is not None and wait > self.retry.max_retry_after:
                raise self._give_up(f"{reason}, asked to wait {wait:.0f}s", attempt, status)
            if wait is not None and wait >= deadline.left():
                raise self._out_of_time(deadline, attempt, f"{reason}, asked to wait {wait:g}s",
                                        status)
            if attempt + 1 >= self.retry.attempts:
                raise self._give_up(reason, attempt, status)
            delay = wait if wait is not None else self.retry.backoff(attempt)
            log.warning("token request to %s answered %s; retry %d of %d in %.2fs",
                        self.token_url, reason, attempt + 1, self.retry.attempts - 1, delay)
            return delay
        message, diagnoses = token_rejection(status, self.token_url, self._client_secret, details)
        raise TokenRejectedError(message, token_url=self.token_url, status=status,
                                 details=details, diagnoses=diagnoses)

    def _pause(self, delay: float, deadline: Deadline, attempt: int) -> float:
        """The wait before the next attempt, or give up if it would end past the deadline."""
        if delay >= deadline.left():
            raise self._out_of_time(deadline, attempt, f"the next attempt was due in {delay:.2f}s")
        return delay

    def fetch(self) -> AccessToken:
        deadline = Deadline(self.settings.token_deadline)
        for attempt in range(self.retry.attempts):
            started = self.clock()
            log.debug("requesting a token from %s for client %s (attempt %d)", self.token_url,
                      self.client_id, attempt + 1)
            try:
                answer = call_before(deadline, lambda: self._exchange(deadline))
            except PastDeadline:
                raise self._out_of_time(deadline, attempt, "no complete answer in time") from None
            except httpx.HTTPError as exc:
                outcome: Outcome = self._after_error(exc, attempt)
            else:
                outcome = self._after_answer(answer, started, attempt, deadline)
            if isinstance(outcome, AccessToken):
                return outcome
            self.retry.sleep(self._pause(outcome, deadline, attempt))
        raise self._give_up("no attempts allowed", self.retry.attempts - 1)

    async def afetch(self) -> AccessToken:
        deadline = Deadline(self.settings.token_deadline)
        for attempt in range(self.retry.attempts):
            started = self.clock()
            log.debug("requesting a token from %s for client %s (attempt %d)", self.token_url,
                      self.client_id, attempt + 1)
            try:
                answer = await asyncio.wait_for(self._aexchange(deadline), deadline.left())
            except asyncio.TimeoutError:
                raise self._out_of_time(deadline, attempt, "no complete answer in time") from None
            except httpx.HTTPError as exc:
                outcome: Outcome = self._after_error(exc, attempt)
            else:
                outcome = self._after_answer(answer, started, attempt, deadline)
            if isinstance(outcome, AccessToken):
                return outcome
            await self.retry.async_sleep(self._pause(outcome, deadline, attempt))
        raise self._give_up("no attempts allowed", self.retry.attempts - 1)

    @contextlib.contextmanager
    def http(self) -> Iterator[httpx.Client]:
        """The seller's own client when given (proxies, mTLS), else a short-lived one."""
        if self._client is not None:
            yield self._client
            return
        with httpx.Client(timeout=self.settings.token_timeout, verify=self._verify()) as client:
            yield client

    @contextlib.asynccontextmanager
    async def ahttp(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._async_client is not None:
            yield self._async_client
            return
        async with httpx.AsyncClient(timeout=self.settings.token_timeout,
                                     verify=self._verify()) as client:
            yield client

    def _verify(self) -> ssl.SSLContext | bool:
        return self._tls if self._tls is not None else True

    def _request(self, client: httpx.Client | httpx.AsyncClient, deadline: Deadline) -> httpx.Request:
        # No single read may outlast what is left of the deadline either.
        timeout = max(0.001, min(self.settings.token_timeout, deadline.left()))
        return client.build_request("POST", self.token_url, headers=self._request_headers(),
                                    content=b"grant_type=client_credentials", timeout=timeout)

    def _too_large(self) -> TokenResponseError:
        return TokenResponseError(f"{self.token_url} answered more than {MAX_ANSWER_BYTES} bytes; "
                                  "a token answer is about 1 KB - a proxy may be in the way",
                                  token_url=self.token_url)

    def _exchange(self, deadline: Deadline) -> Answer:
        with self.http() as client:
            response = client.send(self._request(client, deadline), stream=True)
            try:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise self._too_large()
                    if deadline.passed:  # the caller has stopped waiting; stop reading
                        raise PastDeadline
            finally:
                response.close()
        return response, bytes(body)

    async def _aexchange(self, deadline: Deadline) -> Answer:
        async with self.ahttp() as client:
            response = await client.send(self._request(client, deadline), stream=True)
            try:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise self._too_large()
            finally:
                await response.aclose()
        return response, bytes(body)

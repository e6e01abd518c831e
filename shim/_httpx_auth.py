"""``WalmartAuth``: OAuth for httpx clients, sync and async."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Generator
from typing import Any, Optional

import httpx

from shim._headers import oauth_headers
from shim._redirects import AsyncOriginGuard, OriginGuard, same_origin
from shim._refusals import body_wanted, detail_or_none, is_token_refusal, not_replayable, scope_error
from shim._registry import ProviderAuth
from shim._wire import CORRELATION_ID
from shim.errors import ScopeError, WalmartAuthError

__all__ = ["WalmartAuth"]

log = logging.getLogger("shim")


class WalmartAuth(ProviderAuth, httpx.Auth):
    """``httpx.Client(auth=WalmartAuth(client_id, client_secret))``.

    Adds ``WM_SEC.ACCESS_TOKEN`` and the service headers to every request. On 401, or 400
    with an ``INVALID_TOKEN.*`` code, drops that token (only if it is still the cached one),
    fetches a new one and retries once - never more, and not at all for a while after a new
    token was refused too. On 403 it does not refresh: it raises ``ScopeError`` naming the
    category and the key's grant (``raise_on_forbidden=False`` returns the 403 instead). If no
    token can be had, the request is never sent. A redirect to another origin goes without
    the token and Basic credentials.

    The body is read before sending (``buffer_body=True``, the default) so that the retry
    sends it whole, streamed uploads included; with ``buffer_body=False`` streamed bodies stay
    streamed, and a refused one raises ``BodyNotReplayableError`` instead of being retried.
    """

    requires_request_body = True

    def __init__(self, *args: Any, buffer_body: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requires_request_body = buffer_body

    def _attach(self, request: httpx.Request, token: str, retry: bool, guard: type[OriginGuard]) -> str:
        """Attach the token; the origin it is meant for (kept from the first hop on)."""
        if retry:  # a retry is a new request to Walmart: it gets its own correlation id
            del request.headers[CORRELATION_ID]
        request.headers.update(oauth_headers(self.settings, token, request.headers))
        current = request.extensions.get("trace")
        if isinstance(current, OriginGuard):  # a redirect the caller follows by hand
            return current.origin
        request.extensions = {**request.extensions, "trace": guard(str(request.url), current)}
        return str(request.url)

    @staticmethod
    def _ours(response: httpx.Response, origin: str) -> bool:
        """Only an answer from the origin says anything about the token."""
        return same_origin(origin, str(response.request.url))

    @staticmethod
    def _body(response: httpx.Response) -> bytes:
        if not body_wanted(response.status_code):
            return b""
        return response.read()

    @staticmethod
    async def _abody(response: httpx.Response) -> bytes:
        if not body_wanted(response.status_code):
            return b""
        return await response.aread()

    def _may_retry(self, request: httpx.Request, response: httpx.Response, token: str) -> bool:
        log.info("%s %s refused the token (%d)", request.method, request.url.path,
                 response.status_code)
        if not self.provider.may_refresh():
            log.warning("not fetching a new token for %s %s: one fetched after the last refusal "
                        "was refused too", request.method, request.url.path)
            return False
        self.provider.invalidate(token)
        if not isinstance(request.stream, httpx.ByteStream):
            # A generator or file stream was consumed by the first send (buffer_body=False).
            raise not_replayable(request.method, str(request.url), response.status_code, response)
        return True

    def _forbidden(self, request: httpx.Request, response: httpx.Response,
                   detail: Optional[dict[str, Any]]) -> ScopeError:
        return scope_error(request.method, str(request.url), response.content, detail)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.requires_request_body:  # what httpx.Auth's own flows do, which these replace
            request.read()
        token = self.provider.token()
        origin = self._attach(request, token, retry=False, guard=OriginGuard)
        response = yield request
        if not self._ours(response, origin):
            return
        if is_token_refusal(response.status_code, self._body(response)) and \
                self._may_retry(request, response, token):
            token = self.provider.token()
            self._attach(request, token, retry=True, guard=OriginGuard)
            response = yield request
            refused = is_token_refusal(response.status_code, self._body(response))
            self.provider.refresh_outcome(token, helped=not refused)
        if response.status_code == 403 and self.raise_on_forbidden and self._ours(response, origin):
            raise self._forbidden(request, response, detail_or_none(self.provider.token_detail))

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self.requires_request_body:
            await request.aread()
        token = await self.provider.atoken()
        origin = self._attach(request, token, retry=False, guard=AsyncOriginGuard)
        response = yield request
        if not self._ours(response, origin):
            return
        if is_token_refusal(response.status_code, await self._abody(response)) and \
                self._may_retry(request, response, token):
            token = await self.provider.atoken()
            self._attach(request, token, retry=True, guard=AsyncOriginGuard)
            response = yield request
            refused = is_token_refusal(response.status_code, await self._abody(response))
            self.provider.refresh_outcome(token, helped=not refused)
        if response.status_code == 403 and self.raise_on_forbidden and self._ours(response, origin):
            try:
                detail: Optional[dict[str, Any]] = await self.provider.atoken_detail()
            except (WalmartAuthError, OSError) as exc:
                log.warning("could not read /v3/token/detail to explain a 403: %s", exc)
                detail = None
            raise self._forbidden(request, response, detail)

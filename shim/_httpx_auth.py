"""``WalmartAuth``: OAuth for httpx clients, sync and async."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Generator
from typing import Any, Optional

import httpx

from shim._headers import oauth_headers
from shim._refusals import body_wanted, detail_or_none, is_token_refusal, scope_error
from shim._registry import ProviderAuth
from shim._wire import CORRELATION_ID
from shim.errors import ScopeError, WalmartAuthError

__all__ = ["WalmartAuth"]

log = logging.getLogger("shim")


class WalmartAuth(ProviderAuth, httpx.Auth):
    """``httpx.Client(auth=WalmartAuth(client_id, client_secret))``.

    Adds ``WM_SEC.ACCESS_TOKEN`` and the service headers to every request. On 401, or 400
    with an ``INVALID_TOKEN.*`` code, drops that token (only if it is still the cached one),
    fetches a new one and retries once - never more. On 403 it does not refresh: it raises
    ``ScopeError`` naming the category and the key's grant (``raise_on_forbidden=False``
    returns the 403 instead). If no token can be had, the request is never sent.
    """

    def _attach(self, request: httpx.Request, token: str, retry: bool) -> None:
        if retry:  # a retry is a new request to Walmart: it gets its own correlation id
            del request.headers[CORRELATION_ID]
        request.headers.update(oauth_headers(self.settings, token, request.headers))

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

    def _forbidden(self, request: httpx.Request, response: httpx.Response,
                   detail: Optional[dict[str, Any]]) -> ScopeError:
        return scope_error(request.method, str(request.url), response.content, detail)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.provider.token()
        self._attach(request, token, retry=False)
        response = yield request
        if is_token_refusal(response.status_code, self._body(response)):
            log.info("%s %s refused the token (%d); fetching a new one and retrying once",
                     request.method, request.url.path, response.status_code)
            self.provider.invalidate(token)
            self._attach(request, self.provider.token(), retry=True)
            response = yield request
            self._body(response)
        if response.status_code == 403 and self.raise_on_forbidden:
            raise self._forbidden(request, response, detail_or_none(self.provider.token_detail))

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.provider.atoken()
        self._attach(request, token, retry=False)
        response = yield request
        if is_token_refusal(response.status_code, await self._abody(response)):
            log.info("%s %s refused the token (%d); fetching a new one and retrying once",
                     request.method, request.url.path, response.status_code)
            self.provider.invalidate(token)
            self._attach(request, await self.provider.atoken(), retry=True)
            response = yield request
            await self._abody(response)
        if response.status_code == 403 and self.raise_on_forbidden:
            try:
                detail: Optional[dict[str, Any]] = await self.provider.atoken_detail()
            except (WalmartAuthError, OSError) as exc:
                log.warning("could not read /v3/token/detail to explain a 403: %s", exc)
                detail = None
            raise self._forbidden(request, response, detail)


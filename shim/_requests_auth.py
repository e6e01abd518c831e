"""``WalmartRequestsAuth``: the same OAuth behaviour as ``WalmartAuth``, for requests.

Needs the ``requests`` extra. The retry after a refused token happens in a response hook,
the way requests' own digest auth resends a challenged request.
"""

from __future__ import annotations

import logging
from typing import Any, Optional, Union
from urllib.parse import urljoin

import requests
from requests.auth import AuthBase

from shim._headers import oauth_headers
from shim._redirects import is_credential, same_origin
from shim._refusals import detail_or_none, is_token_refusal, not_replayable, scope_error
from shim._registry import ProviderAuth
from shim._wire import ACCESS_TOKEN, CORRELATION_ID

__all__ = ["WalmartRequestsAuth"]

log = logging.getLogger("shim")
_RETRIED = "_walmart_retried"
_BODY = "_walmart_body"
# A body the retry cannot send again: a generator, or a file that cannot be rewound.
_STREAMED = "streamed"


def _body_plan(body: object) -> Union[int, str, None]:
    """How the one retry sends this body again: as it is (bytes, text, none), from a file
    position, or not at all."""
    if body is None or isinstance(body, (bytes, bytearray, str)):
        return None
    tell, seek = getattr(body, "tell", None), getattr(body, "seek", None)
    if callable(tell) and callable(seek):
        try:
            return int(tell())
        except (OSError, ValueError):  # a pipe or a socket file
            pass
    return _STREAMED


def _refused(response: requests.Response) -> bool:
    # Only these are read here, so streamed downloads stay streamed.
    status = response.status_code
    return status in (400, 401) and is_token_refusal(status, response.content)


class WalmartRequestsAuth(ProviderAuth, AuthBase):
    """``session.auth = WalmartRequestsAuth(client_id, client_secret)``; see ``WalmartAuth``.

    A refused call whose body is a generator or an unseekable file is not retried (it would
    go out empty): ``BodyNotReplayableError`` says so."""

    def _attach(self, request: requests.PreparedRequest, token: str) -> None:
        request.headers.update(oauth_headers(self.settings, token, request.headers))

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        self._attach(request, self.provider.token())
        setattr(request, _BODY, _body_plan(request.body))
        request.register_hook("response", self._on_response)  # type: ignore[no-untyped-call]
        return request

    def _on_response(self, response: requests.Response, **send_options: Any) -> requests.Response:
        request = response.request
        if ACCESS_TOKEN not in request.headers:
            return response  # a hop elsewhere, after the token was taken off
        if response.is_redirect:
            self._leaving(response)
            return response
        if not getattr(request, _RETRIED, False) and _refused(response):
            return self._retry(response, send_options)
        if response.status_code == 403 and self.raise_on_forbidden:
            raise scope_error(str(request.method), str(request.url), response.content,
                              detail_or_none(self.provider.token_detail))
        return response

    @staticmethod
    def _leaving(response: requests.Response) -> None:
        """requests builds the next hop from this request: off another origin, take the token
        and Basic credentials off it first."""
        request = response.request
        target = urljoin(str(response.url), response.headers.get("location", ""))
        if not same_origin(str(request.url), target):
            for name in [n for n, v in request.headers.items() if is_credential(n, v)]:
                del request.headers[name]

    def _retry(self, response: requests.Response, send_options: dict[str, Any]) -> requests.Response:
        request = response.request
        used = str(request.headers.get(ACCESS_TOKEN))
        log.info("%s %s refused the token (%d)", request.method,
                 request.path_url.split("?")[0], response.status_code)
        if not self.provider.may_refresh():
            log.warning("not fetching a new token for %s %s: one fetched after the last refusal "
                        "was refused too", request.method, request.path_url.split("?")[0])
            return response
        self.provider.invalidate(used)
        plan: Optional[Union[int, str]] = getattr(request, _BODY, None)
        response.content  # noqa: B018 - drain the refused answer so the connection is reused
        response.close()
        if plan == _STREAMED:
            raise not_replayable(str(request.method), str(request.url), response.status_code,
                                 response)
        if isinstance(plan, int):
            request.body.seek(plan)  # type: ignore[union-attr]
        retry = request.copy()
        setattr(retry, _RETRIED, True)
        del retry.headers[CORRELATION_ID]
        token = self.provider.token()
        self._attach(retry, token)
        answer: requests.Response = response.connection.send(retry, **send_options)
        answer.history.append(response)
        answer.request = retry
        self.provider.refresh_outcome(token, helped=not _refused(answer))
        return self._on_response(answer, **send_options)

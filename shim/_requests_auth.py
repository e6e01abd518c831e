"""``WalmartRequestsAuth``: the same OAuth behaviour as ``WalmartAuth``, for requests.

Needs the ``requests`` extra. The retry after a refused token happens in a response hook,
the way requests' own digest auth resends a challenged request.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from requests.auth import AuthBase

from shim._headers import oauth_headers
from shim._refusals import detail_or_none, is_token_refusal, scope_error
from shim._registry import ProviderAuth
from shim._wire import ACCESS_TOKEN, CORRELATION_ID

__all__ = ["WalmartRequestsAuth"]

log = logging.getLogger("shim")
_RETRIED = "_walmart_retried"


class WalmartRequestsAuth(ProviderAuth, AuthBase):
    """``session.auth = WalmartRequestsAuth(client_id, client_secret)``; see ``WalmartAuth``."""

    def _attach(self, request: requests.PreparedRequest, token: str) -> None:
        request.headers.update(oauth_headers(self.settings, token, request.headers))

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        self._attach(request, self.provider.token())
        body = request.body
        # A file-like body has to be rewound for the one retry.
        position = body.tell() if hasattr(body, "tell") and hasattr(body, "seek") else None  # type: ignore[union-attr]
        setattr(request, "_walmart_body_position", position)  # noqa: B010
        request.register_hook("response", self._on_response)  # type: ignore[no-untyped-call]
        return request

    def _on_response(self, response: requests.Response, **send_options: Any) -> requests.Response:
        request = response.request
        status = response.status_code
        if status in (400, 401) and not getattr(request, _RETRIED, False) and \
                is_token_refusal(status, response.content):
            return self._retry(response, send_options)
        if status == 403 and self.raise_on_forbidden:
            raise scope_error(str(request.method), str(request.url), response.content,
                              detail_or_none(self.provider.token_detail))
        return response

    def _retry(self, response: requests.Response, send_options: dict[str, Any]) -> requests.Response:
        request = response.request
        used = request.headers.get(ACCESS_TOKEN)
        log.info("%s %s refused the token (%d); fetching a new one and retrying once",
                 request.method, request.path_url.split("?")[0], response.status_code)
        if used:
            self.provider.invalidate(used)
        position = getattr(request, "_walmart_body_position", None)
        if position is not None:
            request.body.seek(position)  # type: ignore[union-attr]
        response.content  # noqa: B018 - drain the refused answer so the connection is reused
        response.close()
        retry = request.copy()
        setattr(retry, _RETRIED, True)
        del retry.headers[CORRELATION_ID]
        self._attach(retry, self.provider.token())
        answer: requests.Response = response.connection.send(retry, **send_options)
        answer.history.append(response)
        answer.request = retry
        return self._on_response(answer, **send_options)

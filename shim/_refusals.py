"""What the auth hooks do with a refused call: a new token for 401 or 400 INVALID_TOKEN.*,
a ScopeError naming the category and the key's grant for a 403."""

from __future__ import annotations

import logging
from typing import Any, Optional
from urllib.parse import urlsplit

from shim._diagnosis import forbidden_message
from shim._error_body import parse_error_body
from shim._wire import category_of
from shim.errors import BodyNotReplayableError, ScopeError, WalmartAuthError

__all__ = ["body_wanted", "is_token_refusal", "not_replayable", "scope_error"]

log = logging.getLogger("shim")


def body_wanted(status: int) -> bool:
    """Only these answers are read in the hook, so streamed downloads stay streamed."""
    return status in (400, 403)


def is_token_refusal(status: int, body: bytes) -> bool:
    if status == 401:
        return True
    if status == 400:
        return any(d.code.upper().startswith("INVALID_TOKEN") for d in parse_error_body(body))
    return False


def _grant(detail: dict[str, Any], category: str) -> Optional[str]:
    scopes = detail.get("scopes")
    grant = scopes.get(category) if isinstance(scopes, dict) else None
    return grant if isinstance(grant, str) else None


def scope_error(method: str, url: str, body: bytes, detail: Optional[dict[str, Any]]) -> ScopeError:
    category = category_of(urlsplit(url).path)
    grant = _grant(detail, category) if detail is not None else None
    return ScopeError(forbidden_message(method, url, category, grant), category=category,
                      grant=grant, method=method, url=url, details=parse_error_body(body))


def detail_or_none(fetch: Any) -> Optional[dict[str, Any]]:
    try:
        result: dict[str, Any] = fetch()
    except (WalmartAuthError, OSError) as exc:
        log.warning("could not read /v3/token/detail to explain a 403: %s", exc)
        return None
    return result


def not_replayable(method: str, url: str, status: int, response: object) -> BodyNotReplayableError:
    path = urlsplit(url).path
    return BodyNotReplayableError(
        f"{method} {path} refused the token ({status}) and was not re-sent with a new one: its "
        "body is a stream (a generator, or a file that cannot be rewound) already sent once; "
        "send it again (the next call gets a new token), or pass bytes or a seekable file",
        method=method, url=url, status=status, response=response)

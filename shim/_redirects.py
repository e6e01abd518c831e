"""The token and Basic credentials go only to the origin they were attached for.

httpx and requests drop ``Authorization`` when a redirect leaves the origin, but know nothing
of ``WM_SEC.ACCESS_TOKEN``: without this, a redirect hands the token to whatever host it
names. The rule is theirs: the same scheme, host and port, or an upgrade from http to https
on the same host.
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from shim._wire import ACCESS_TOKEN, AUTHORIZATION

__all__ = ["AsyncOriginGuard", "OriginGuard", "is_credential", "same_origin"]

_PORTS = {"http": 80, "https": 443}
_TOKEN, _AUTHORIZATION = ACCESS_TOKEN.lower(), AUTHORIZATION.lower()


def _origin(url: str) -> tuple[str, str, Optional[int]]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _PORTS.get(scheme)


def same_origin(url: str, other: str) -> bool:
    first, second = _origin(url), _origin(other)
    if first == second:
        return True
    return (first[0], second[0]) == ("http", "https") and first[1] == second[1] and \
        first[2] == 80 and second[2] == 443


def is_credential(name: str, value: str) -> bool:
    """The token, or Basic credentials (the client secret, when send_basic_auth is on)."""
    lowered = name.lower()
    return lowered == _TOKEN or (lowered == _AUTHORIZATION and value[:6].lower() == "basic ")


def _hop_url(request: Any) -> Optional[str]:
    """Where an httpcore request goes; through a forward proxy its target is the full URL."""
    url = request.url
    if request.method == b"CONNECT":  # a proxy tunnel: none of our headers are on it
        return None
    target = bytes(url.target)
    if target.startswith((b"http://", b"https://")):
        return target.decode("ascii", "replace")
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme.decode('ascii')}://{url.host.decode('ascii')}{port}"


class OriginGuard:
    """httpx follows redirects within one step of an auth flow, so the flow never sees the
    next hop. httpcore's ``trace`` extension does: it is called with each request just before
    its headers are written, and httpx hands the same extensions to every hop. There, any hop
    to another origin loses the token and Basic credentials. A ``trace`` the caller had set
    is still called."""

    def __init__(self, origin: str, previous: Any = None) -> None:
        self.origin = origin
        self.previous = previous

    def _guard(self, event: str, info: dict[str, Any]) -> None:
        request = info.get("request")
        if request is None or not event.endswith(".send_request_headers.started"):
            return
        hop = _hop_url(request)
        if hop is not None and not same_origin(self.origin, hop):
            request.headers[:] = [(k, v) for k, v in request.headers
                                  if not is_credential(k.decode("latin-1"), v.decode("latin-1"))]

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        self._guard(event, info)
        if self.previous is not None:
            self.previous(event, info)


class AsyncOriginGuard(OriginGuard):
    """The same for httpx.AsyncClient, where httpcore awaits the trace callback."""

    async def __call__(self, event: str, info: dict[str, Any]) -> None:  # type: ignore[override]
        self._guard(event, info)
        if self.previous is not None:
            await self.previous(event, info)

"""The VCR.py side of the pytest plugin: a persister that scrubs before saving, and the
replay matcher that fails a request to a Walmart host without a valid token or with a legacy
header."""

from __future__ import annotations

import os
from typing import Any, Callable

from migrate.verify.hosts import DEFAULT_HOSTS, is_marketplace_call
from migrate.verify.scrub import Scrubber
from shim._wire import ACCESS_TOKEN, LEGACY_HEADERS

__all__ = ["ScrubbingPersister", "replay_matcher", "scrubbed_hosts"]


def scrubbed_hosts(configured: tuple[str, ...] = ()) -> frozenset[str]:
    """Walmart's hosts, the ones configured, and the gateway WALMART_ENV points the shim at
    (a local emulator, say) - read when a cassette is saved, as a test may have set it."""
    hosts = set(DEFAULT_HOSTS) | {h.strip().lower() for h in configured if h.strip()}
    environment = os.environ.get("WALMART_ENV", "")
    if "://" in environment:
        hosts.add(environment.split("://", 1)[1].split("/", 1)[0].lower())
    return frozenset(hosts)


class ScrubbingPersister:
    """Wraps whatever persister is configured (pytest-recording's own, usually): loading is
    untouched, saving scrubs the interactions with Walmart's hosts first, so no secret
    reaches disk, and leaves every other interaction exactly as recorded."""

    def __init__(self, inner: Any, scrubber: Scrubber,
                 hosts: Callable[[], frozenset[str]] = scrubbed_hosts) -> None:
        self.inner = inner
        self.scrubber = scrubber
        self.hosts = hosts

    def load_cassette(self, cassette_path: str, serializer: Any) -> Any:
        return self.inner.load_cassette(cassette_path, serializer=serializer)

    def save_cassette(self, cassette_path: str, cassette_dict: dict[str, Any],
                      serializer: Any) -> None:
        self.inner.save_cassette(cassette_path,
                                 self.scrubber.cassette(cassette_dict, self.hosts()),
                                 serializer=serializer)


def _is_walmart(request: Any) -> bool:
    return is_marketplace_call(getattr(request, "host", "") or "",
                               getattr(request, "path", "") or "", request.headers.get)


def replay_matcher(issued: Callable[[], set[str]]) -> Callable[[Any, Any], None]:
    """A VCR.py matcher: the live request (first argument) to a Walmart host must carry a
    token the stand-in issued and no legacy header; VCR.py reports the message when no
    recorded request matches."""

    def walmart_auth(live: Any, recorded: Any) -> None:
        if not _is_walmart(live):
            return
        token = live.headers.get(ACCESS_TOKEN)
        if not token:
            raise AssertionError(f"the replayed request carries no {ACCESS_TOKEN}")
        if token not in issued():
            raise AssertionError(f"the replayed request's {ACCESS_TOKEN} was not issued by the "
                                 "stand-in token endpoint")
        legacy = [h for h in LEGACY_HEADERS if live.headers.get(h) is not None]
        if legacy:
            raise AssertionError(f"the replayed request still sends {', '.join(legacy)}")

    return walmart_auth

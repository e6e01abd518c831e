"""Which recorded requests are Marketplace calls the OAuth rules apply to: requests to
Walmart's API hosts, or to any host serving /v3/ or /v2/ paths (the emulator) - except the
legacy Canada Marketplace (/v3/ca/..., WM_TENANT_ID: WALMART.CA), which keeps signing.

Hosts and paths are compared the way servers treat them: host names in any case, with or
without the default port, and the version segment in any case (``/V3/`` reaches the same
gateway, so a legacy header there is as much a finding)."""

from __future__ import annotations

from typing import Callable

from shim._wire import ENVIRONMENTS, TENANT_ID

__all__ = ["DEFAULT_HOSTS", "is_canada", "is_marketplace_call", "is_walmart_host"]

DEFAULT_HOSTS = frozenset(url.split("://", 1)[1] for url in ENVIRONMENTS.values())
WALMART_DOMAIN = ".walmartapis.com"


def _segments(path: str) -> list[str]:
    return [p.lower() for p in path.split("/") if p]


def is_canada(path: str, header: Callable[[str], str | None]) -> bool:
    parts = _segments(path)
    return (len(parts) > 1 and parts[1] == "ca") or (header(TENANT_ID) or "").upper() == "WALMART.CA"


def is_walmart_host(host: str, hosts: frozenset[str] = DEFAULT_HOSTS) -> bool:
    """``host`` as ``name`` or ``name:port`` (a default port already left out)."""
    host = host.lower().rstrip(".")
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return host in hosts or name in hosts or name.endswith(WALMART_DOMAIN)


def is_marketplace_call(host: str, path: str, header: Callable[[str], str | None],
                        hosts: frozenset[str] = DEFAULT_HOSTS) -> bool:
    parts = _segments(path)
    versioned = len(parts) > 1 and parts[0] in ("v3", "v2")
    if not (is_walmart_host(host, hosts) or versioned):
        return False
    return not is_canada(path, header)

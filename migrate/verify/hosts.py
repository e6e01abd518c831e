"""Which recorded requests are Marketplace calls the OAuth rules apply to: requests to
Walmart's API hosts, or to any host serving /v3/ or /v2/ paths (the emulator) - except the
legacy Canada Marketplace (/v3/ca/..., WM_TENANT_ID: WALMART.CA), which keeps signing."""

from __future__ import annotations

from typing import Callable

from shim._wire import ENVIRONMENTS, TENANT_ID

__all__ = ["DEFAULT_HOSTS", "is_marketplace_call"]

DEFAULT_HOSTS = frozenset(url.split("://", 1)[1] for url in ENVIRONMENTS.values())


def is_canada(path: str, header: Callable[[str], str | None]) -> bool:
    parts = [p for p in path.split("/") if p]
    return (len(parts) > 1 and parts[1] == "ca") or (header(TENANT_ID) or "").upper() == "WALMART.CA"


def is_marketplace_call(host: str, path: str, header: Callable[[str], str | None],
                        hosts: frozenset[str] = DEFAULT_HOSTS) -> bool:
    if not (host.lower() in hosts or path.startswith(("/v3/", "/v2/"))):
        return False
    return not is_canada(path, header)

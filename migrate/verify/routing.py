"""Route Walmart's hosts to a local emulator: name resolution answers with the emulator's
loopback address and port, and a CA bundle that trusts its certificate replaces the usual
one. Client code runs unchanged - same URLs, same TLS - and recorders (VCR.py) record the
real URLs."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["route_hosts"]


@contextmanager
def route_hosts(hosts: frozenset[str], port: int) -> Iterator[None]:
    original = socket.getaddrinfo

    def getaddrinfo(host: Any, service: Any, family: int = 0, type: int = 0, proto: int = 0,
                    flags: int = 0) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name.lower() in hosts:
            return [(socket.AF_INET, type or socket.SOCK_STREAM, proto or socket.IPPROTO_TCP, "",
                     ("127.0.0.1", port))]
        return original(host, service, family, type, proto, flags)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.getaddrinfo = original

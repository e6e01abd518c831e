"""Route Walmart's hosts to a local emulator: name resolution answers with a marker loopback
address, and connections to it go to the emulator's port. Client code runs unchanged - same
URLs, same TLS (with a CA bundle that trusts the emulator) - and recorders such as VCR.py
record the real URLs.

Both steps are needed: some clients (anyio, under httpx's async client) take only the address
from name resolution and connect to the URL's own port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["MARKER_ADDRESS", "route_hosts"]

MARKER_ADDRESS = "127.7.7.7"


@contextmanager
def route_hosts(hosts: frozenset[str], port: int) -> Iterator[None]:
    original_getaddrinfo = socket.getaddrinfo
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, service: Any, family: int = 0, type: int = 0, proto: int = 0,
                    flags: int = 0) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name.lower() in hosts:
            number = service if isinstance(service, int) else 443
            return [(socket.AF_INET, type or socket.SOCK_STREAM, proto or socket.IPPROTO_TCP, "",
                     (MARKER_ADDRESS, number))]
        return original_getaddrinfo(host, service, family, type, proto, flags)

    def _target(address: Any) -> Any:
        if isinstance(address, tuple) and address and address[0] == MARKER_ADDRESS:
            return ("127.0.0.1", port)
        return address

    def connect(self: socket.socket, address: Any) -> None:
        original_connect(self, _target(address))

    def connect_ex(self: socket.socket, address: Any) -> int:
        return original_connect_ex(self, _target(address))

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.getaddrinfo = original_getaddrinfo
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]

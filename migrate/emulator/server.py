"""The emulator on a real socket: a threaded HTTP/1.1 server bound to loopback."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from migrate.emulator.core import Emulator
from migrate.emulator.messages import EmulatorRequest

__all__ = ["EmulatorServer"]

log = logging.getLogger("migrate.emulator")
LOOPBACK = "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        scheme = self.headers.get("X-Forwarded-Proto") or self.server.scheme
        host = self.headers.get("Host") or f"{LOOPBACK}:{self.server.server_address[1]}"
        request = EmulatorRequest(self.command, f"{scheme}://{host}{self.path}",
                                  list(self.headers.items()), self._body())
        response = self.server.emulator.handle(request)
        if response.delay:
            time.sleep(response.delay)
        if response.drop:
            # Close without a status line: the client sees a dropped connection.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, emulator: Emulator, port: int, tls: ssl.SSLContext | None) -> None:
        super().__init__((LOOPBACK, port), _Handler)
        self.emulator = emulator
        self.scheme = "https" if tls is not None else "http"
        if tls is not None:
            # The handshake happens in the handler's thread, not in accept(): one slow client
            # must not hold up the others.
            self.socket = tls.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)


class EmulatorServer:
    """Serve an emulator on loopback; use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(self, emulator: Emulator | None = None, port: int = 0,
                 tls: ssl.SSLContext | None = None) -> None:
        self.emulator = emulator or Emulator()
        self._server = _Server(self.emulator, port, tls)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self._server.scheme}://{LOOPBACK}:{self.port}"

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name=f"walmart-emulator:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

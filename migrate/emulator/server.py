"""The emulator on a real socket: a threaded HTTP/1.1 server bound to loopback.

Whatever a client sends, it gets an answer or a closed connection, never a hang: a body
whose framing cannot be trusted (a Content-Length that is not a number, a chunk size that is
not hexadecimal) gets a 400 and the connection is closed; a connection that stays silent is
closed after ``idle_timeout`` seconds; a fault inside the emulator is a 500, logged, not a
traceback on the seller's CI log."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from migrate.emulator.core import Emulator
from migrate.emulator.framing import BadFraming, read_body
from migrate.emulator.messages import EmulatorRequest, EmulatorResponse, error_response

__all__ = ["DEFAULT_IDLE_TIMEOUT", "EmulatorServer"]

log = logging.getLogger("migrate.emulator")
LOOPBACK = "127.0.0.1"
DEFAULT_IDLE_TIMEOUT = 30.0  # seconds a connection may stay silent (keep-alive or mid-request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Every read - the request line, headers, body, the TLS handshake - waits this long.
        self.connection.settimeout(self.server.idle_timeout)

    def _refuse(self, response: EmulatorResponse) -> None:
        """Answer and close: after bad framing, the next request's start is unknown."""
        self.close_connection = True
        self._send(response, (("Connection", "close"),))

    def _send(self, response: EmulatorResponse, extra: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(response.status)
        for name, value in [*response.headers, *extra]:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _serve(self) -> None:
        try:
            body = read_body(self.headers, self.rfile)
        except BadFraming as exc:
            self._refuse(error_response(exc.status, exc.code, str(exc)))
            return
        except (TimeoutError, ConnectionError):
            self.close_connection = True  # the client stopped sending mid-body
            return
        scheme = self.headers.get("X-Forwarded-Proto") or self.server.scheme
        host = self.headers.get("Host") or f"{LOOPBACK}:{self.server.server_address[1]}"
        url = f"{scheme}://{host}{self.path}"
        try:
            urlsplit(url).port  # noqa: B018 - the port parses it all
        except ValueError:
            self._refuse(error_response(400, "INVALID_REQUEST.GMP_GATEWAY_API",
                                        "the Host header and request target make no valid URL"))
            return
        request = EmulatorRequest(self.command, url, list(self.headers.items()), body)
        try:
            response = self.server.emulator.handle(request)
        except Exception:  # one broken request must not take the connection down unanswered
            log.exception("emulator fault on %s %s", self.command, request.path)
            self._refuse(error_response(500, "SYSTEM_ERROR.GMP_GATEWAY_API",
                                        "The emulator failed on this request; see its log"))
            return
        if response.delay:
            time.sleep(response.delay)
        if response.drop:
            # Close without a status line: the client sees a dropped connection.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, emulator: Emulator, port: int, tls: ssl.SSLContext | None,
                 idle_timeout: float) -> None:
        super().__init__((LOOPBACK, port), _Handler)
        self.emulator = emulator
        self.idle_timeout = idle_timeout
        self.scheme = "https" if tls is not None else "http"
        if tls is not None:
            # The handshake happens in the handler's thread, not in accept(): one slow client
            # must not hold up the others.
            self.socket = tls.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that resets, times out or fails the TLS handshake is the client's problem:
        # a debug line, not a traceback on stderr.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class EmulatorServer:
    """Serve an emulator on loopback; use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(self, emulator: Emulator | None = None, port: int = 0,
                 tls: ssl.SSLContext | None = None,
                 idle_timeout: float = DEFAULT_IDLE_TIMEOUT) -> None:
        self.emulator = emulator or Emulator()
        self._server = _Server(self.emulator, port, tls, idle_timeout)
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

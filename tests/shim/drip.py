"""A token endpoint on loopback that answers one byte at a time: each read finishes well
within any per-read timeout, the whole answer never does."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 70\r\n\r\n"
          b'{"access_token": "dripped", "token_type": "Bearer", "expires_in": 900}')


class DripServer:
    """``with DripServer(interval=0.3) as drip: ... drip.url``. Stops by itself: each
    connection gives up after ``lifetime`` seconds, and the listener closes on exit."""

    def __init__(self, interval: float = 0.3, lifetime: float = 8.0) -> None:
        self.interval, self.lifetime = interval, lifetime
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(connection,), daemon=True).start()

    def _drip(self, connection: socket.socket) -> None:
        ends = time.monotonic() + self.lifetime
        with connection:
            connection.settimeout(1.0)
            try:
                connection.recv(65536)  # the request; its content does not matter
                for byte in ANSWER:
                    if self._stop.is_set() or time.monotonic() > ends:
                        return
                    connection.sendall(bytes([byte]))
                    time.sleep(self.interval)
            except OSError:
                return

    def __enter__(self) -> DripServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._listener.close()

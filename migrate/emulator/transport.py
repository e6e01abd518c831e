"""The emulator in process, as an httpx transport (sync and async) - no socket needed."""

from __future__ import annotations

import asyncio
import time

import httpx

from migrate.emulator.core import Emulator
from migrate.emulator.messages import EmulatorRequest, EmulatorResponse

__all__ = ["EmulatorTransport"]


class EmulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Mount it on a client: ``httpx.Client(transport=EmulatorTransport(emulator))``.

    Delays honour the client's read timeout (raising ``httpx.ReadTimeout`` as a socket
    would) and dropped connections raise ``httpx.RemoteProtocolError``.
    """

    def __init__(self, emulator: Emulator | None = None) -> None:
        self.emulator = emulator or Emulator()

    def _to_emulator(self, request: httpx.Request, body: bytes) -> EmulatorRequest:
        url = request.url
        full = f"{url.scheme}://{url.netloc.decode('ascii')}{url.raw_path.decode('ascii')}"
        return EmulatorRequest(request.method, full, list(request.headers.multi_items()), body)

    @staticmethod
    def _read_timeout(request: httpx.Request) -> float | None:
        timeout = request.extensions.get("timeout", {})
        value = timeout.get("read") if isinstance(timeout, dict) else None
        return float(value) if value is not None else None

    def _finish(self, request: httpx.Request, response: EmulatorResponse) -> httpx.Response:
        if response.drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request)
        return httpx.Response(response.status, headers=response.headers, content=response.body,
                              request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.emulator.handle(self._to_emulator(request, request.read()))
        if response.delay:
            limit = self._read_timeout(request)
            time.sleep(min(response.delay, limit) if limit is not None else response.delay)
            if limit is not None and response.delay > limit:
                raise httpx.ReadTimeout("timed out waiting for the emulator", request=request)
        return self._finish(request, response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = self.emulator.handle(self._to_emulator(request, await request.aread()))
        if response.delay:
            limit = self._read_timeout(request)
            await asyncio.sleep(min(response.delay, limit) if limit is not None else response.delay)
            if limit is not None and response.delay > limit:
                raise httpx.ReadTimeout("timed out waiting for the emulator", request=request)
        return self._finish(request, response)

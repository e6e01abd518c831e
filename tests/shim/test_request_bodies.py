"""A refused token on an upload: the retry sends the whole body again, or nothing and says why."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import requests

import shim
from migrate.emulator import EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET

FEED = json.dumps({"MPItem": [{"sku": f"SKU-{n}", "price": n} for n in range(40)]}).encode()
CHUNKS = [FEED[i:i + 64] for i in range(0, len(FEED), 64)]


def _chunks() -> Iterator[bytes]:
    yield from CHUNKS


async def _achunks() -> AsyncIterator[bytes]:
    for chunk in CHUNKS:
        yield chunk


def _feeds(server: EmulatorServer) -> list[tuple[int, bytes]]:
    return [(e.response.status, e.request.body) for e in server.emulator.exchanges
            if e.request.path == "/v3/feeds"]


def _expire_at_the_gateway(server: EmulatorServer, auth: object) -> None:
    """A token is cached; then the gateway, not the shim's clock, says it has expired."""
    with httpx.Client(base_url=server.url, auth=auth) as client:  # type: ignore[arg-type]
        assert client.get("/v3/orders").status_code == 200
    server.emulator.advance(901)


def test_httpx_resends_a_streamed_upload_whole(server: EmulatorServer) -> None:
    auth = shim.WalmartAuth(SELLER_ID, SELLER_SECRET, environment=server.url)
    _expire_at_the_gateway(server, auth)
    with httpx.Client(base_url=server.url, auth=auth) as client:
        response = client.post("/v3/feeds?feedType=item", content=_chunks())
    assert response.status_code == 200, response.text
    assert _feeds(server) == [(401, FEED), (200, FEED)]


def test_httpx_async_resends_a_streamed_upload_whole(server: EmulatorServer) -> None:
    auth = shim.WalmartAuth(SELLER_ID, SELLER_SECRET, environment=server.url)
    _expire_at_the_gateway(server, auth)

    async def upload() -> httpx.Response:
        async with httpx.AsyncClient(base_url=server.url, auth=auth) as client:
            return await client.post("/v3/feeds?feedType=item", content=_achunks())

    assert asyncio.run(upload()).status_code == 200
    assert _feeds(server) == [(401, FEED), (200, FEED)]


def test_httpx_resends_a_file_upload_whole(server: EmulatorServer, tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "feed.json")
    with open(path, "wb") as out:
        out.write(FEED)
    auth = shim.WalmartAuth(SELLER_ID, SELLER_SECRET, environment=server.url)
    _expire_at_the_gateway(server, auth)
    with httpx.Client(base_url=server.url, auth=auth) as client, open(path, "rb") as stream:
        response = client.post("/v3/feeds?feedType=item", content=stream)
    assert response.status_code == 200
    assert _feeds(server) == [(401, FEED), (200, FEED)]


def test_httpx_unbuffered_stream_is_not_retried_and_says_why(server: EmulatorServer) -> None:
    auth = shim.WalmartAuth(SELLER_ID, SELLER_SECRET, environment=server.url, buffer_body=False)
    _expire_at_the_gateway(server, auth)
    with httpx.Client(base_url=server.url, auth=auth) as client:
        with pytest.raises(shim.BodyNotReplayableError, match="not re-sent") as caught:
            client.post("/v3/feeds?feedType=item", content=_chunks())
        assert caught.value.status == 401
        assert caught.value.method == "POST"
        # The refused token is gone: the next upload goes out with a new one and succeeds.
        assert client.post("/v3/feeds?feedType=item", content=FEED).status_code == 200
    assert _feeds(server) == [(401, FEED), (200, FEED)]
    assert SELLER_SECRET not in str(caught.value)


def test_requests_does_not_resend_a_generator_body_empty(server: EmulatorServer) -> None:
    session = requests.Session()
    session.auth = shim.WalmartRequestsAuth(SELLER_ID, SELLER_SECRET, environment=server.url)
    assert session.get(server.url + "/v3/orders", timeout=10).status_code == 200
    server.emulator.advance(901)
    with pytest.raises(shim.BodyNotReplayableError, match="generator") as caught:
        session.post(server.url + "/v3/feeds?feedType=item", data=_chunks(), timeout=10)
    assert caught.value.status == 401
    assert _feeds(server) == [(401, FEED)]  # no second, empty upload accepted as a feed
    answer = session.post(server.url + "/v3/feeds?feedType=item", data=FEED, timeout=10)
    assert answer.status_code == 200
    assert _feeds(server) == [(401, FEED), (200, FEED)]


def test_requests_resends_a_bytes_body_whole(server: EmulatorServer) -> None:
    session = requests.Session()
    session.auth = shim.WalmartRequestsAuth(SELLER_ID, SELLER_SECRET, environment=server.url)
    assert session.get(server.url + "/v3/orders", timeout=10).status_code == 200
    server.emulator.advance(901)
    answer = session.post(server.url + "/v3/feeds?feedType=item", data=FEED, timeout=10)
    assert answer.status_code == 200
    assert _feeds(server) == [(401, FEED), (200, FEED)]

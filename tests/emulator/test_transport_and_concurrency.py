"""The in-process front door gives the same answers as the socket; many clients at once."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import requests

from migrate.emulator import Emulator, EmulatorServer, EmulatorTransport
from tests.conftest import CONSUMER_ID, SELLER_ID, SELLER_SECRET, fetch_token
from tests.keys import KeyPair
from tests.legacy_signing import call_headers, signed_headers, token_request_headers

BASE = "https://marketplace.walmartapis.com"


def test_the_transport_serves_walmart_urls_in_process(emulator: Emulator,
                                                      seller_key: KeyPair) -> None:
    with httpx.Client(transport=EmulatorTransport(emulator), base_url=BASE) as client:
        token = fetch_token(client)
        assert client.get("/v3/orders", headers=call_headers(token)).status_code == 200
        url = BASE + "/v3/items?limit=1"
        signed = client.get(url, headers=signed_headers(seller_key.private, CONSUMER_ID, url, "GET"))
    assert signed.status_code == 200
    assert emulator.requests("/v3/items")[0].url == url


def test_the_async_transport(emulator: Emulator) -> None:
    async def run() -> list[int]:
        transport = EmulatorTransport(emulator)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            answer = await client.post("/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                                       data={"grant_type": "client_credentials"},
                                       headers=token_request_headers())
            headers = call_headers(answer.json()["access_token"])
            calls = [client.get("/v3/orders", headers=headers) for _ in range(5)]
            return [r.status_code for r in await asyncio.gather(*calls)]

    assert asyncio.run(run()) == [200] * 5


def test_transport_faults_behave_like_a_socket(emulator: Emulator) -> None:
    emulator.inject("drop", "/v3/token")
    emulator.inject("delay", "/v3/token", delay=0.3)
    with httpx.Client(transport=EmulatorTransport(emulator), base_url=BASE, timeout=0.1) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            fetch_token(client)
        with pytest.raises(httpx.ReadTimeout):
            fetch_token(client)
        assert fetch_token(client)


def _one_client(url: str, n: int) -> list[int]:
    """A seller process of its own: a token, then a read and a write."""
    if n % 2:
        with httpx.Client(base_url=url) as client:
            headers = call_headers(fetch_token(client))
            return [client.get("/v3/orders", headers=headers).status_code,
                    client.put("/v3/inventory", params={"sku": "CAST-IRON-10"}, headers=headers,
                               json={"sku": "CAST-IRON-10",
                                     "quantity": {"unit": "EACH", "amount": n}}).status_code]
    with requests.Session() as session:
        token = session.post(url + "/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                             data={"grant_type": "client_credentials"},
                             headers=token_request_headers(), timeout=30).json()["access_token"]
        return [session.get(url + "/v3/items", headers=call_headers(token), timeout=30).status_code,
                session.get(url + "/v3/feeds", headers=call_headers(token), timeout=30).status_code]


def test_fifty_concurrent_clients_over_the_socket(server: EmulatorServer) -> None:
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda n: _one_client(server.url, n), range(50)))
    assert results == [[200, 200]] * 50
    assert len(server.emulator.issued_tokens()) == 50
    assert len(server.emulator.exchanges) == 150

"""The shim's costs and gains, each as a ratio against a baseline measured in the same run:

1. per-request overhead of ``WalmartAuth`` against static headers, on httpx's MockTransport,
   sync and async;
2. token requests during a simulated hour of steady traffic with 900 s tokens (expect 4-5);
3. legacy RSA signing per request against the OAuth header: what a seller gains.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import shim
from bench.timing import abest_of, best_of
from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorTransport

BASE = "https://marketplace.walmartapis.com"
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _provider(clock: Callable[[], float] = time.monotonic) -> tuple[shim.TokenProvider, Emulator]:
    emulator = Emulator(EmulatorConfig(clients=[ClientConfig(
        name="bench", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)]))
    shim.clear_cache()
    provider = shim.TokenProvider(
        CLIENT_ID, CLIENT_SECRET, environment=BASE,
        client=httpx.Client(transport=EmulatorTransport(emulator)),
        async_client=httpx.AsyncClient(transport=EmulatorTransport(emulator)), clock=clock)
    return provider, emulator


def _ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def auth_overhead(requests: int, repeats: int) -> list[str]:
    provider, _ = _provider()
    token = provider.token()
    static = {"WM_SEC.ACCESS_TOKEN": token, "WM_SVC.NAME": "Walmart Marketplace",
              "WM_QOS.CORRELATION_ID": "fixed"}
    plain = httpx.Client(transport=httpx.MockTransport(_ok), base_url=BASE, headers=static)
    authed = httpx.Client(transport=httpx.MockTransport(_ok), base_url=BASE,
                          auth=shim.WalmartAuth(provider=provider))

    def run(client: httpx.Client) -> Callable[[], None]:
        def go() -> None:
            for _ in range(requests):
                client.get("/v3/orders")
        return go

    base_sync, auth_sync = best_of(repeats, run(plain)), best_of(repeats, run(authed))

    async def measure() -> tuple[float, float]:
        aplain = httpx.AsyncClient(transport=httpx.MockTransport(_ok), base_url=BASE,
                                   headers=static)
        aauthed = httpx.AsyncClient(transport=httpx.MockTransport(_ok), base_url=BASE,
                                    auth=shim.WalmartAuth(provider=provider))

        def arun(client: httpx.AsyncClient) -> Callable[[], Awaitable[None]]:
            async def go() -> None:
                for _ in range(requests):
                    await client.get("/v3/orders")
            return go

        return await abest_of(repeats, arun(aplain)), await abest_of(repeats, arun(aauthed))

    base_async, auth_async = asyncio.run(measure())
    lines = []
    for kind, base, auth in (("sync", base_sync, auth_sync), ("async", base_async, auth_async)):
        extra_us = (auth - base) / requests * 1e6
        lines.append(f"WalmartAuth vs static headers ({kind}, {requests} requests): "
                     f"{auth / base:.2f}x the baseline time, {extra_us:+.1f} us per request")
    return lines


def token_requests_per_hour(calls_per_second: float = 1.0) -> list[str]:
    clock = _Clock()
    provider, emulator = _provider(clock)
    step = 1.0 / calls_per_second
    while clock.now < 3600.0:
        provider.token()
        clock.now += step
        emulator.advance(step)
    count = len(emulator.requests("/v3/token"))
    return [f"token requests in a simulated hour of steady traffic (900 s tokens): {count} "
            f"(expected 4 or 5)"]


def _bare_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return base64.b64encode(der).decode()


def signing_cost(calls: int, repeats: int) -> list[str]:
    provider, _ = _provider()
    provider.token()
    key = _bare_key()
    url = BASE + "/v3/orders?limit=10"

    def legacy() -> None:
        for _ in range(calls):
            shim.auth_headers(consumer_id="bench-consumer", private_key=key, url=url,
                              method="GET", mode="legacy")

    def oauth() -> None:
        for _ in range(calls):
            shim.oauth_headers(provider.settings, provider.token())

    shim.auth_headers(consumer_id="bench-consumer", private_key=key, url=url, method="GET",
                      mode="legacy")  # parse the key once, as a long-running process would
    legacy_time, oauth_time = best_of(repeats, legacy), best_of(repeats, oauth)
    return [f"legacy RSA signing vs OAuth header ({calls} calls): OAuth is "
            f"{legacy_time / oauth_time:.1f}x faster ({legacy_time / calls * 1e6:.0f} us vs "
            f"{oauth_time / calls * 1e6:.1f} us per call)"]


def run(scale: float = 1.0) -> list[str]:
    requests = max(50, int(2000 * scale))
    repeats = 3 if scale >= 1 else 1
    lines = auth_overhead(requests, repeats)
    lines += token_requests_per_hour()
    lines += signing_cost(max(20, int(500 * scale)), repeats)
    shim.reset_registry()
    return lines

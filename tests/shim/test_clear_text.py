"""The token request carries the client secret: never over plain http to another machine,
unless the seller says so in as many words."""

from __future__ import annotations

import httpx
import pytest

import shim
from migrate.emulator import Emulator, EmulatorServer, EmulatorTransport
from tests.conftest import SELLER_ID, SELLER_SECRET


@pytest.mark.parametrize("environment", ["http://gateway.example.com",
                                         "http://10.0.0.7:8080/", "http://[2001:db8::1]"])
def test_plain_http_off_loopback_is_refused_before_anything_is_sent(
        environment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALMART_ENV", environment)
    emulator = Emulator()
    client = httpx.Client(transport=EmulatorTransport(emulator))
    with pytest.raises(shim.ConfigurationError, match="WALMART_ALLOW_INSECURE_HTTP") as caught:
        shim.TokenProvider(SELLER_ID, SELLER_SECRET, client=client).token()
    with pytest.raises(shim.ConfigurationError):
        shim.access_token(SELLER_ID, SELLER_SECRET)
    assert "clear text" in str(caught.value)
    assert SELLER_SECRET not in str(caught.value)
    assert emulator.exchanges == []


def test_plain_http_off_loopback_when_explicitly_allowed(monkeypatch: pytest.MonkeyPatch,
                                                         seller: object) -> None:
    monkeypatch.setenv("WALMART_ALLOW_INSECURE_HTTP", "1")
    emulator = Emulator()
    emulator.add_client(seller)  # type: ignore[arg-type]
    client = httpx.Client(transport=EmulatorTransport(emulator))
    provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment="http://gateway.internal",
                                  client=client)
    assert provider.token()
    assert emulator.requests()[0].url == "http://gateway.internal/v3/token"


def test_loopback_and_https_need_no_permission(server: EmulatorServer) -> None:
    port = server.port
    for environment in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
        shim.reset_registry()
        assert shim.access_token(SELLER_ID, SELLER_SECRET, environment=environment)
    for environment in ("http://[::1]:8080", "http://127.8.9.10", "http://LOCALHOST.:8080",
                        "https://gateway.example.com"):
        assert shim.Settings.resolve(environment=environment).base_url == environment

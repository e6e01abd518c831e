"""Secrets and tokens never show up in reprs, errors or logs; fingerprints do."""

from __future__ import annotations

import asyncio
import base64
import logging
import time

import httpx
import pytest
import requests

import shim
from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer, EmulatorTransport
from tests.conftest import CONSUMER_ID, SELLER_ID, SELLER_SECRET
from tests.keys import KeyPair, new_key


def _secrets_in(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s and s in text]


def _basic(client_id: str, secret: str) -> str:
    return base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_reprs_show_fingerprints(provider: shim.TokenProvider) -> None:
    token = provider.token()
    auth = shim.WalmartAuth(provider=provider)
    settings = shim.Settings.resolve(client_id=SELLER_ID, client_secret=SELLER_SECRET,
                                     private_key="-----BEGIN PRIVATE KEY-----x")
    shown = " ".join([repr(provider), str(provider), repr(provider.cached), str(provider.cached),
                      repr(auth), repr(settings), settings.describe(),
                      repr(shim.WalmartRequestsAuth(provider=provider))])
    assert _secrets_in(shown, [SELLER_SECRET, token, "BEGIN PRIVATE KEY"]) == []
    assert shim.fingerprint(SELLER_SECRET) in repr(provider)
    assert shim.fingerprint(token) in repr(provider.cached)


def test_every_log_line_through_full_flows_is_clean(server: EmulatorServer, seller_key: KeyPair,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """DEBUG for every logger (httpx and httpcore included), successes and failures."""
    server.emulator.add_client(ClientConfig(name="sp", client_id="sp-id",
                                            client_secret="sp-secret-value-77",
                                            solution_provider=True))
    secrets = [SELLER_SECRET, "sp-secret-value-77", seller_key.bare_base64, seller_key.pem,
               "wrong-secret-value-99", _basic(SELLER_ID, SELLER_SECRET),
               _basic("sp-id", "sp-secret-value-77"), _basic(SELLER_ID, "wrong-secret-value-99")]
    caplog.set_level(logging.DEBUG)
    server.emulator.inject("error", "/v3/token", count=1, status=503)
    with httpx.Client(base_url=server.url,
                      auth=shim.WalmartAuth(SELLER_ID, SELLER_SECRET, environment=server.url,
                                            send_basic_auth=True)) as client:
        client.get("/v3/orders")
        server.emulator.advance(901)
        client.get("/v3/orders")
    session = requests.Session()
    session.auth = shim.WalmartRequestsAuth("sp-id", "sp-secret-value-77", environment=server.url)
    with pytest.raises(shim.ScopeError):
        session.get(server.url + "/v3/items", timeout=10)

    async def run_async() -> None:
        await shim.aauth_headers(SELLER_ID, SELLER_SECRET, environment=server.url)

    asyncio.run(run_async())
    with pytest.raises(shim.TokenRejectedError) as rejected:
        shim.access_token(SELLER_ID, "wrong-secret-value-99", environment=server.url)
    with pytest.raises(shim.TokenRejectedError) as key_as_secret:
        shim.access_token(CONSUMER_ID, seller_key.bare_base64, environment=server.url)
    shim.auth_headers(consumer_id=CONSUMER_ID, private_key=seller_key.bare_base64,
                      url=server.url + "/v3/orders", method="GET", mode="legacy")
    tokens = [t.token for t in server.emulator.issued_tokens()]
    assert len(tokens) >= 3
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "token" in logged and "sha256:" in logged  # the flows did log, with fingerprints
    assert any(r.name.startswith("httpx") for r in caplog.records)
    assert _secrets_in(logged, secrets + tokens) == []
    errors = f"{rejected.value} {key_as_secret.value} {rejected.value.diagnoses}"
    assert _secrets_in(errors, secrets + tokens) == []


def test_the_filter_redacts_what_the_application_logs(provider: shim.TokenProvider,
                                                      seller_key: KeyPair,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    token = provider.token()
    headers = shim.auth_headers(SELLER_ID, SELLER_SECRET, environment=provider.settings.base_url,
                                send_basic_auth=True)
    handler = caplog.handler
    shim.install_log_filter(handler)
    app = logging.getLogger("seller.app")
    with caplog.at_level(logging.DEBUG):
        app.debug("sending headers %s", headers)
        app.info("secret is %s and key is %s", SELLER_SECRET, seller_key.bare_base64)
        app.warning("pem: %s", seller_key.pem)
        app.error("an unknown token in a header line WM_SEC.ACCESS_TOKEN: abc.def.ghi-unknown")
        try:
            raise RuntimeError(f"failed with {token}")
        except RuntimeError:
            app.exception("call failed")
    text = caplog.text
    assert _secrets_in(text, [token, SELLER_SECRET, seller_key.bare_base64, seller_key.pem,
                              "abc.def.ghi-unknown"]) == []
    assert shim.fingerprint(token) in text


def test_keys_the_shim_never_saw_are_redacted_by_shape() -> None:
    unseen = new_key()
    for text in (f"key={unseen.bare_base64}", f"key:\n{unseen.pem}"):
        cleaned = shim.redact(text)
        assert "<private key sha256:" in cleaned
        assert unseen.bare_base64[20:60] not in cleaned
        assert "BEGIN PRIVATE KEY" not in cleaned


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "GET /v3/orders?limit=10 answered 200 for client seller-1"
    assert shim.redact(text) == text


def _logged_through_filter(caplog: pytest.LogCaptureFixture, *lines: str) -> str:
    shim.install_log_filter(caplog.handler)
    app = logging.getLogger("seller.app")
    with caplog.at_level(logging.INFO):
        for line in lines:
            app.info("%s", line)
    return caplog.text


def test_the_secret_stays_redacted_after_hundreds_of_refreshes(
        seller: ClientConfig, caplog: pytest.LogCaptureFixture) -> None:
    """Five days of 15-minute tokens for one seller, and some more. In process: the count of
    tokens is the point here, and 600 round trips on a socket would take half a minute."""
    emulator = Emulator(EmulatorConfig(clients=[seller]))
    with httpx.Client(transport=EmulatorTransport(emulator)) as client:
        provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, client=client)
        first = provider.token()
        for _ in range(600):
            provider.invalidate(provider.token())
        last = provider.token()
    logged = _logged_through_filter(caplog, f"secret {SELLER_SECRET}",
                                    f"basic {_basic(SELLER_ID, SELLER_SECRET)}",
                                    f"first token {first}", f"last token {last}")
    assert len(emulator.issued_tokens()) == 601
    assert _secrets_in(logged, [SELLER_SECRET, _basic(SELLER_ID, SELLER_SECRET), first, last]) == []


def test_basic_credentials_are_redacted_with_or_without_the_word(
        provider: shim.TokenProvider, caplog: pytest.LogCaptureFixture) -> None:
    known = _basic(SELLER_ID, SELLER_SECRET)
    unseen = _basic("someone-else", "an-unseen-password")
    logged = _logged_through_filter(caplog, f"credentials {known}", f"header Basic {known}",
                                    f"unpadded {known.rstrip('=')}", f"proxy said Basic {unseen}",
                                    "Basic information about the feed")
    assert _secrets_in(logged, [known, known.rstrip("="), unseen]) == []
    assert "Basic information about the feed" in logged


def test_tokens_are_forgotten_only_long_after_they_expire() -> None:
    from shim import _secrets

    now = time.monotonic()
    _secrets.remember_token("old-token-abcdef", 900, now=now - 900 - _secrets.TOKEN_RETENTION - 1)
    _secrets.remember_token("recent-token-abcdef", 900, now=now - 900 - 60)
    _secrets.remember_token("new-token-abcdef", 900, now=now)
    cleaned = shim.redact("old-token-abcdef recent-token-abcdef new-token-abcdef")
    assert cleaned.startswith("old-token-abcdef ")  # expired hours ago: forgotten
    assert "recent-token-abcdef" not in cleaned and "new-token-abcdef" not in cleaned

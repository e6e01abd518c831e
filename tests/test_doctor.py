"""`walmart-migrate doctor` against the emulator on a real socket."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from tests.keys import KeyPair


@pytest.fixture
def gateway() -> Iterator[EmulatorServer]:
    clients = [
        ClientConfig(name="seller", client_id="seller-id", client_secret="seller-secret",
                     channel_type="chan-1"),
        ClientConfig(name="provider", client_id="sp-id", client_secret="sp-secret",
                     solution_provider=True, scopes={"orders": "full_access", "inventory": "view_only"}),
    ]
    with EmulatorServer(Emulator(EmulatorConfig(clients=clients))) as server:
        yield server


def _doctor(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALMART_")}
    return subprocess.run([sys.executable, "-m", "migrate", "doctor", "--environment", url, *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_a_healthy_seller_key(gateway: EmulatorServer) -> None:
    done = _doctor(gateway.url, "--client-id", "seller-id", "--client-secret", "seller-secret",
                   "--channel-type", "chan-1")
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["check", "result", "detail"]
    assert any(line.startswith("token ") and " ok " in line and "expires in 900s" in line
               for line in lines)
    assert any("valid, channel matches" in line for line in lines)
    assert sum(" full_access" in line for line in lines) == 11
    assert "seller-secret" not in done.stdout
    assert lines[-1] == "verdict: ok"


def test_a_solution_provider_key_names_its_missing_scopes(gateway: EmulatorServer) -> None:
    done = _doctor(gateway.url, "--client-id", "sp-id", "--client-secret", "sp-secret",
                   "--need", "orders", "--need", "inventory:full", "--need", "item:view")
    assert done.returncode == 1
    out = done.stdout
    assert "scope: orders" in out and "full_access" in out
    assert "scope: inventory  FAIL    view_only, full_access needed" in out
    assert "scope: item       FAIL    no_access, view_only needed" in out
    assert "Solution Provider" in out
    assert out.splitlines()[-1] == "verdict: 2 problem(s) found"


def test_reset_credentials_and_a_wrong_channel(gateway: EmulatorServer) -> None:
    reset = _doctor(gateway.url, "--client-id", "seller-id", "--client-secret", "old-secret")
    assert reset.returncode == 1
    assert "refused with 401" in reset.stdout
    assert "reset by another user of the same Partner account" in reset.stdout
    channel = _doctor(gateway.url, "--client-id", "seller-id", "--client-secret", "seller-secret",
                      "--channel-type", "chan-2")
    assert channel.returncode == 1
    assert "WM_CONSUMER.CHANNEL.TYPE chan-2 does not match" in channel.stdout


def test_a_private_key_passed_as_the_secret(gateway: EmulatorServer, seller_key: KeyPair) -> None:
    done = _doctor(gateway.url, "--client-id", "consumer-id", "--client-secret", seller_key.bare_base64)
    assert done.returncode == 1
    assert "shaped like a legacy Private Key" in done.stdout
    assert seller_key.bare_base64[:40] not in done.stdout


def test_an_unreachable_endpoint() -> None:
    with EmulatorServer() as server:
        url = server.url
    done = _doctor(url, "--client-id", "a", "--client-secret", "b")
    assert done.returncode == 1
    assert "the token endpoint is down or unreachable" in done.stdout


def test_missing_credentials_and_a_bad_need() -> None:
    done = _doctor("sandbox")
    assert done.returncode == 1
    assert "no client id or client secret" in done.stdout
    bad = _doctor("sandbox", "--client-id", "a", "--client-secret", "b", "--need", "orders:write")
    assert bad.returncode == 2


def test_a_garbled_token_answer(gateway: EmulatorServer) -> None:
    gateway.emulator.inject("malformed", "/v3/token", count=5)
    done = _doctor(gateway.url, "--client-id", "seller-id", "--client-secret", "seller-secret")
    assert done.returncode == 1
    token_row = next(line for line in done.stdout.splitlines() if line.startswith("token "))
    assert "FAIL" in token_row and "/v3/token" in token_row, done.stdout


@pytest.mark.parametrize("suffix", ["/v3/token", "/v3/token/"])
def test_an_environment_given_as_the_token_url_is_its_base_url(
        gateway: EmulatorServer, suffix: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALMART_")}
    env.update(WALMART_ENV=gateway.url + suffix, WALMART_CLIENT_ID="seller-id",
               WALMART_CLIENT_SECRET="seller-secret")
    done = subprocess.run([sys.executable, "-m", "migrate", "doctor"], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stdout
    assert f"{gateway.url}/v3/token" in done.stdout
    assert "/v3/token/v3/token" not in done.stdout
    assert "reset" not in done.stdout


def test_an_unknown_category_is_a_usage_error_listing_the_known_ones(
        gateway: EmulatorServer) -> None:
    done = _doctor(gateway.url, "--client-id", "seller-id", "--client-secret", "seller-secret",
                   "--need", "ordrs:view")
    assert done.returncode == 2
    assert "unknown category 'ordrs'" in done.stderr
    assert "orders" in done.stderr and "inventory" in done.stderr
    assert done.stdout == ""

"""The pytest plugin in a seller's own test suite (pytester): recording offline against the
emulator with scrubbing, replaying migrated code against legacy cassettes, and the all-played
check - with httpx (sync and async) and requests. The first suite runs in a subprocess, as a
seller's does, so the plugin comes in through its entry point; the rest run in this process
(see ``seller_suite``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import cli
from tests.keys import KeyPair
from tests.verify.seller_suite import run_in_process

CLIENT_ID, CLIENT_SECRET = "plugin-client-id", "plugin-client-secret-5f4e3d2c1b"
CONSUMER_ID = "plugin-consumer-id"

MIGRATED = '''
import asyncio
import uuid

import httpx
import pytest
import requests
import shim

BASE = "https://marketplace.walmartapis.com"


def headers():
    return {"WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": str(uuid.uuid4())}


@pytest.mark.vcr
def test_orders_httpx():
    with httpx.Client(auth=shim.WalmartAuth()) as client:
        assert client.get(BASE + "/v3/orders?limit=1", headers=headers()).status_code == 200


@pytest.mark.vcr
def test_items_async():
    async def run():
        async with httpx.AsyncClient(auth=shim.WalmartAuth()) as client:
            return (await client.get(BASE + "/v3/items", headers=headers())).status_code
    assert asyncio.run(run()) == 200


@pytest.mark.vcr
def test_feeds_requests():
    session = requests.Session()
    session.auth = shim.WalmartRequestsAuth()
    assert session.get(BASE + "/v3/feeds", headers=headers(), timeout=30).status_code == 200
'''

LEGACY = '''
import time
import uuid

import httpx
import pytest
import requests
from shim._legacy import legacy_headers

BASE = "https://marketplace.walmartapis.com"


def signed(url, method):
    import os
    return {"WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
            **legacy_headers(os.environ["WALMART_CONSUMER_ID"], os.environ["WALMART_PRIVATE_KEY"],
                             url, method)}


@pytest.mark.vcr
def test_orders_httpx():
    url = BASE + "/v3/orders?limit=1"
    assert httpx.get(url, headers=signed(url, "GET")).status_code == 200


@pytest.mark.vcr
def test_items_async():
    import asyncio
    async def run():
        url = BASE + "/v3/items"
        async with httpx.AsyncClient() as client:
            return (await client.get(url, headers=signed(url, "GET"))).status_code
    assert asyncio.run(run()) == 200


@pytest.mark.vcr
def test_feeds_requests():
    url = BASE + "/v3/feeds"
    assert requests.get(url, headers=signed(url, "GET"), timeout=30).status_code == 200
'''

CONFTEST = '''
import pytest


@pytest.fixture(autouse=True)
def _gateway(request):
    if request.config.getoption("--record-mode") != "none":
        request.getfixturevalue("walmart_emulator")
'''


@pytest.fixture
def seller_env(monkeypatch: pytest.MonkeyPatch, seller_key: KeyPair) -> None:
    monkeypatch.setenv("WALMART_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("WALMART_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("WALMART_CONSUMER_ID", CONSUMER_ID)
    monkeypatch.setenv("WALMART_PRIVATE_KEY", seller_key.bare_base64)
    for variable in ("WALMART_ENV", "WALMART_AUTH_MODE"):
        monkeypatch.delenv(variable, raising=False)


def _cassettes(root: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(root.rglob("*.yaml"))}


def _verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "migrate", "verify", *args], capture_output=True,
                          text=True, timeout=60)


def test_recording_offline_scrubs_before_disk(pytester: pytest.Pytester, seller_env: None,
                                              seller_key: KeyPair) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_migrated=MIGRATED)
    result = pytester.runpytest_subprocess("--record-mode=once", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    cassettes = _cassettes(pytester.path / "cassettes")
    assert set(cassettes) == {"test_orders_httpx.yaml", "test_items_async.yaml",
                              "test_feeds_requests.yaml"}
    everything = "".join(cassettes.values())
    assert CLIENT_SECRET not in everything
    assert "<WALMART-TOKEN-1>" in everything and "Basic <WALMART-BASIC-1>" in everything
    assert "https://marketplace.walmartapis.com/v3/orders?limit=1" in everything
    verdict = _verify(str(pytester.path / "cassettes"))
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr


def test_replaying_migrated_code_against_legacy_cassettes(pytester: pytest.Pytester,
                                                          seller_env: None) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_calls=LEGACY)
    recorded = run_in_process(pytester, "--record-mode=once")
    recorded.assert_outcomes(passed=3)
    legacy = "".join(_cassettes(pytester.path / "cassettes").values())
    assert "WM_SEC.AUTH_SIGNATURE" in legacy.upper() and "<WALMART-SIGNATURE-1>" in legacy
    verdict = CliRunner().invoke(cli, ["verify", str(pytester.path / "cassettes"), "--only", "no-secrets"])
    assert verdict.exit_code == 0, verdict.output

    # The same tests, migrated: they replay the legacy cassettes with a stand-in token endpoint.
    pytester.makepyfile(test_calls=MIGRATED)
    replayed = run_in_process(pytester, "--walmart-replay")
    replayed.assert_outcomes(passed=3)

    # Code that still signs is caught on replay.
    still_signing = LEGACY.replace("@pytest.mark.vcr", "@pytest.mark.vcr\n@pytest.mark.walmart_replay")
    pytester.makepyfile(test_calls=still_signing)
    caught = run_in_process(pytester)
    caught.assert_outcomes(failed=3)
    caught.stdout.fnmatch_lines(["*walmart_auth*the replayed request carries no WM_SEC.ACCESS_TOKEN*"])


def test_all_played_is_opt_in(pytester: pytest.Pytester, seller_env: None) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_calls=MIGRATED.replace(
        'assert client.get(BASE + "/v3/orders?limit=1", headers=headers()).status_code == 200',
        'assert client.get(BASE + "/v3/orders?limit=1", headers=headers()).status_code == 200\n'
        '        assert client.get(BASE + "/v3/orders?limit=2", headers=headers()).status_code == 200'))
    run_in_process(pytester, "--record-mode=once").assert_outcomes(passed=3)
    pytester.makepyfile(test_calls=MIGRATED)  # makes one call fewer than recorded
    run_in_process(pytester, "-k", "orders").assert_outcomes(passed=1)
    strict = run_in_process(pytester, "-k", "orders", "--walmart-all-played")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(["*recorded interactions not played: 2 (GET https://marketplace.walmartapis.com/v3/orders?limit=2)*"])

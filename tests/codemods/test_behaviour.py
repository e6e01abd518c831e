"""Each fixture client, driven against the emulator: before the rewrite it signs the legacy
way and succeeds; after it, the same calls succeed with OAuth and carry no legacy header."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from migrate.emulator import EmulatorServer
from tests.codemods.conftest import Migrate
from tests.codemods.fixture_cases import (
    CASES,
    CLIENT_ID,
    CLIENT_SECRET,
    CONSUMER_ID,
    Case,
)
from tests.keys import KeyPair

LEGACY = ("WM_SEC.AUTH_SIGNATURE", "WM_SEC.TIMESTAMP", "WM_CONSUMER.ID")
DRIVE = "import json, sys; sys.path.insert(0, '.'); import run_case; print(json.dumps(run_case.run()))"


def _key(key: KeyPair, key_format: str) -> str:
    if key_format == "pkcs1-pem":
        return key.private.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.TraditionalOpenSSL,
                                         serialization.NoEncryption()).decode()
    return key.bare_base64


def _drive(folder: Path, env: dict[str, str]) -> object:
    done = subprocess.run([sys.executable, "-c", DRIVE], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _api_calls(server: EmulatorServer, start: int) -> list:  # type: ignore[type-arg]
    return [e for e in server.emulator.exchanges[start:] if e.request.path != "/v3/token"]


BEHAVIOUR = [c for c in CASES if c.expect_run is not None]
# Cases the migration rewrites, and cases it leaves as they are on purpose (look-alikes, code
# already on OAuth, credentials a person must move): those must go on working unchanged.
REWRITTEN = [c for c in BEHAVIOUR if any(f["action"] == "rewritten" for f in c.findings)]
KEPT = [c for c in BEHAVIOUR if c not in REWRITTEN]


def _env(case: Case, server: EmulatorServer, seller_key: KeyPair, jar: Path) -> dict[str, str]:
    return {**os.environ, "WALMART_BASE_URL": server.url, "WALMART_ENV": server.url,
            "WALMART_CONSUMER_ID": CONSUMER_ID, "WALMART_PRIVATE_KEY": _key(seller_key, case.key_format),
            "WALMART_CLIENT_ID": CLIENT_ID, "WALMART_CLIENT_SECRET": CLIENT_SECRET,
            "WALMART_SIGNATURE_JAR": str(jar), **case.extra_env}


@pytest.mark.parametrize("case", KEPT, ids=[c.name for c in KEPT])
def test_code_left_as_it_is_still_works(case: Case, server: EmulatorServer, seller_key: KeyPair,
                                        tmp_path: Path, signature_jar: Path,
                                        migrated: Migrate) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(case.before, before)
    migrated(case).copy_to(after)
    env = _env(case, server, seller_key, signature_jar)
    assert _drive(before, env) == case.expect_run
    calls_before = _api_calls(server, 0)
    assert calls_before and {e.response.status for e in calls_before} == {200}
    server.emulator.reset()
    assert _drive(after, env) == case.expect_run
    calls_after = _api_calls(server, 0)
    assert [(e.request.method, e.request.path, e.auth) for e in calls_after] == \
        [(e.request.method, e.request.path, e.auth) for e in calls_before]


@pytest.mark.parametrize("case", REWRITTEN, ids=[c.name for c in REWRITTEN])
def test_legacy_before_and_oauth_after(case: Case, server: EmulatorServer, seller_key: KeyPair,
                                       tmp_path: Path, signature_jar: Path,
                                       migrated: Migrate) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(case.before, before)
    migrated(case).copy_to(after)
    env = _env(case, server, seller_key, signature_jar)

    assert _drive(before, env) == case.expect_run
    legacy_calls = _api_calls(server, 0)
    assert legacy_calls
    assert {e.auth for e in legacy_calls} == {"legacy"}
    assert {e.response.status for e in legacy_calls} == {200}
    server.emulator.reset()  # the same orders, stock and feeds again for the migrated run

    assert _drive(after, env) == case.expect_run
    oauth_calls = _api_calls(server, 0)
    assert len(oauth_calls) == len(legacy_calls)
    assert {e.auth for e in oauth_calls} == {"oauth"}
    assert {e.response.status for e in oauth_calls} == {200}
    for exchange in oauth_calls:
        assert exchange.request.header("WM_SEC.ACCESS_TOKEN")
        assert all(exchange.request.header(h) is None for h in LEGACY)
    assert server.emulator.issued_tokens(CLIENT_ID)

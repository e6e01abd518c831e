"""The rollout target end to end: the switch picks legacy or OAuth at run time, and a later
--target oauth run finishes the migration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migrate.emulator import EmulatorServer
from migrate.runner.run import RunRequest, run
from tests.codemods.conftest import Migrate
from tests.codemods.fixture_cases import CASES, CLIENT_ID, CLIENT_SECRET, CONSUMER_ID
from tests.codemods.test_behaviour import DRIVE
from tests.keys import KeyPair

ROLLOUT = next(c for c in CASES if c.name == "rollout_target")


def _drive(folder: Path, server: EmulatorServer, key: KeyPair, **extra: str) -> object:
    env = {**os.environ, "WALMART_BASE_URL": server.url, "WALMART_ENV": server.url,
           "WALMART_CONSUMER_ID": CONSUMER_ID, "WALMART_PRIVATE_KEY": key.bare_base64,
           "WALMART_CLIENT_ID": CLIENT_ID, "WALMART_CLIENT_SECRET": CLIENT_SECRET, **extra}
    done = subprocess.run([sys.executable, "-c", DRIVE], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _auth_of_calls(server: EmulatorServer) -> set[str | None]:
    return {e.auth for e in server.emulator.exchanges if e.request.path != "/v3/token"}


@pytest.mark.parametrize(("mode", "expected"), [("legacy", {"legacy"}), ("oauth", {"oauth"}),
                                                ("canary:100", {"oauth"}), ("canary:0", {"legacy"})])
def test_the_switch_decides_at_run_time(tmp_path: Path, server: EmulatorServer, seller_key: KeyPair,
                                        mode: str, expected: set[str], migrated: Migrate) -> None:
    migrated(ROLLOUT).copy_to(tmp_path / "repo")
    assert _drive(tmp_path / "repo", server, seller_key, WALMART_AUTH_MODE=mode) == [2, 12]
    assert _auth_of_calls(server) == expected


def test_a_second_rollout_run_changes_nothing(tmp_path: Path, migrated: Migrate) -> None:
    migrated(ROLLOUT).copy_to(tmp_path / "repo")
    again = run(RunRequest(paths=(tmp_path / "repo",), write=True, allow_dirty=True, jobs=1,
                           target="rollout"))
    assert again.result.changed == []
    actions = {f.action for r in again.result.files for f in r.findings}
    assert actions == {"ignored"}


def test_an_oauth_run_finishes_the_rollout(tmp_path: Path, server: EmulatorServer,
                                           seller_key: KeyPair, migrated: Migrate) -> None:
    work = migrated(ROLLOUT).copy_to(tmp_path / "repo")
    finished = run(RunRequest(paths=(work,), write=True, allow_dirty=True, jobs=1))
    assert {f.action for r in finished.result.files for f in r.findings} == {"rewritten"}
    client = (work / "acme" / "walmart.py").read_text()
    assert "auth_headers" not in client
    assert '"WM_SEC.ACCESS_TOKEN": shim.access_token(self.client_id, self.client_secret)' in client
    assert "consumer_id" not in client and "private_key" not in client
    assert _drive(work, server, seller_key) == [2, 12]
    assert _auth_of_calls(server) == {"oauth"}

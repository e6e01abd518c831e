"""``verify --format sarif``: valid SARIF 2.1.0 for clean, failing, unreadable and before/after
cassettes; paths relative to the repository root wherever the command is run from; exit codes
as ``scan``'s."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from migrate.emulator import EmulatorServer
from tests.keys import KeyPair
from tests.runner.conftest import ROOT, Repo
from tests.sarif_schema import check_sarif
from tests.verify.recordings import record_legacy, record_migrated_httpx


def _verify(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "migrate", "verify", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})


def _uris(log: dict) -> set[str]:  # type: ignore[type-arg]
    return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]}


def test_every_kind_of_cassette(tmp_path: Path, server: EmulatorServer, seller_key: KeyPair) -> None:
    repo = Repo(tmp_path / "seller")
    cassettes = repo.path / "tests" / "cassettes"
    record_legacy(cassettes / "legacy.yaml", server, seller_key.private)
    record_migrated_httpx(cassettes / "clean.yaml", server)
    record_migrated_httpx(cassettes / "clean.json", server, serializer="json")
    (cassettes / "cut.yaml").write_text("interactions:\n- request: {")
    # From the repository root, from a sub-folder, and with absolute paths: the same URIs.
    for cwd, given in [(repo.path, "tests/cassettes"), (repo.path / "tests", "cassettes"),
                       (tmp_path, str(cassettes))]:
        done = _verify(cwd, given, "--format", "sarif")
        assert done.returncode == 1, done.stderr
        log = check_sarif(done.stdout)
        # The clean ones are not scrubbed: no-secrets finds the secret in them.
        assert _uris(log) == {f"tests/cassettes/{n}" for n in ("legacy.yaml", "clean.yaml",
                                                                 "clean.json")}
        (note,) = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        assert note["message"]["text"].startswith("tests/cassettes/cut.yaml: not valid YAML")
        assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
            "tests/cassettes/cut.yaml"
        assert str(tmp_path) not in done.stdout


def test_clean_and_before_after(tmp_path: Path, server: EmulatorServer, seller_key: KeyPair) -> None:
    repo = Repo(tmp_path / "seller")
    record_legacy(repo.path / "legacy" / "orders.yaml", server, seller_key.private)
    record_migrated_httpx(repo.path / "cassettes" / "orders.yaml", server)
    record_migrated_httpx(repo.path / "cassettes" / "extra.yaml", server)
    clean = _verify(repo.path, "cassettes/orders.yaml", "--format", "sarif", "--only", "token-present")
    assert clean.returncode == 0, clean.stdout
    assert check_sarif(clean.stdout)["runs"][0]["results"] == []
    paired = _verify(repo.path, "cassettes", "--before", "legacy", "--format", "sarif",
                     "--only", "before-after")
    assert paired.returncode == 1
    assert _uris(check_sarif(paired.stdout)) == {"cassettes/extra.yaml"}
    uploaded = _verify(repo.path, "cassettes", "--before", "legacy", "--format", "sarif",
                       "--only", "before-after", "--exit-zero")
    assert uploaded.returncode == 0 and check_sarif(uploaded.stdout) == check_sarif(paired.stdout)


def test_usage_errors_are_exit_2(tmp_path: Path) -> None:
    missing = _verify(tmp_path, "no/such/folder")
    assert missing.returncode == 2
    assert missing.stderr == "walmart-migrate: no/such/folder: no such file or folder\n"
    assert missing.stdout == ""
    (tmp_path / "cassettes").mkdir()
    (tmp_path / "cassettes" / "notes.txt").write_text("recorded on Monday\n")
    empty = _verify(tmp_path, "cassettes")
    assert empty.returncode == 2 and empty.stdout == ""
    assert empty.stderr.startswith("walmart-migrate: cassettes: no cassettes in this folder")


def test_cassettes_only_skips_other_yaml_and_json(tmp_path: Path, server: EmulatorServer) -> None:
    (tmp_path / "package.json").write_text('{"name": "shop", "version": "1.0.0"}\n')
    (tmp_path / "ci.yml").write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n")
    (tmp_path / "weird.yaml").write_text("!reference [a, b]\n")
    others = ["package.json", "ci.yml", "weird.yaml"]
    assert _verify(tmp_path, *others, "--only", "no-secrets").returncode == 1
    skipped = _verify(tmp_path, *others, "--only", "no-secrets", "--cassettes-only")
    assert (skipped.returncode, skipped.stdout, skipped.stderr) == (0, "", "")
    record_migrated_httpx(tmp_path / "leaky.yaml", server)  # unscrubbed: the secret is there
    leaky = _verify(tmp_path, *others, "leaky.yaml", "--only", "no-secrets", "--cassettes-only")
    assert leaky.returncode == 1 and "leaky.yaml" in leaky.stdout
    (tmp_path / "cut.yaml").write_text("interactions:\n- request: {")
    assert _verify(tmp_path, "cut.yaml", "--cassettes-only").returncode == 1  # broken, not skipped

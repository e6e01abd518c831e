"""A command started as a seller starts it forks one worker before it knows its work; the
worker loads LibCST and the codemods while the command finds the files and reads the cache,
and every file is parsed in a worker: the command's own process never loads them. Each test
runs the real command in a process of its own (a test process has LibCST loaded already)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.runner.conftest import Repo, every_case

ROOT = Path(__file__).resolve().parents[2]

# The command as the console script runs it, then what its process holds at the end.
_COMMAND = """
import json, multiprocessing, os, sys
forks = []  # the workers this process forks (git's processes start otherwise)
fork = os.fork
def counted():
    forks.append(1)
    return fork()
os.fork = counted
import walmart_migrate_entry
code = 0
try:
    walmart_migrate_entry.main(sys.argv[2:])
except SystemExit as done:
    code = done.code
sys.stdout.flush()
with open(sys.argv[1], "w") as probe:
    json.dump({"code": code, "libcst": "libcst" in sys.modules,
               "started": bool(forks),
               "workers": len(multiprocessing.active_children())}, probe)
"""


def _command(repo: Repo, tmp_path: Path, *args: str) -> tuple[dict[str, Any], str]:
    probe = tmp_path / "probe.json"
    done = subprocess.run([sys.executable, "-c", _COMMAND, str(probe), *args], cwd=repo.path,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert probe.exists(), done.stderr
    return json.loads(probe.read_text()), done.stdout


@pytest.fixture
def cases(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "cases")
    every_case(repo, step=4)
    moment = time.time() - 60  # a run stores nothing for files written just before it
    for path in repo.path.rglob("*.py"):
        os.utime(path, (moment, moment))
    return repo


def test_a_run_leaves_the_parsing_to_its_workers(cases: Repo, tmp_path: Path) -> None:
    lean, report = _command(cases, tmp_path, "apply", "--check", "--no-cache", "-j", "2", ".")
    assert lean == {"code": 1, "libcst": False, "started": True, "workers": 0}
    # One job: no worker, everything parsed here - and the same report.
    alone, same = _command(cases, tmp_path, "apply", "--check", "--no-cache", "-j", "1", ".")
    assert (alone["code"], alone["libcst"], alone["workers"]) == (1, True, 0)
    assert report == same and "would rewrite" in report


def test_a_run_the_cache_will_answer_starts_no_worker(cases: Repo, tmp_path: Path) -> None:
    """Whether the recorded result is likely to answer is known before the files are found:
    every file its run read still has the status recorded with it."""
    first, report = _command(cases, tmp_path, "scan", "-j", "2", ".")
    again, same = _command(cases, tmp_path, "scan", "-j", "2", ".")
    assert (first["started"], first["libcst"]) == (True, False)
    assert (again["started"], again["libcst"], again["workers"]) == (False, False, 0)
    assert again["code"] == first["code"] == 1 and same == report
    unrelated = cases.write("docs/conf.py", "project = 'acme'\n")
    os.utime(unrelated, (time.time() - 60,) * 2)
    unaffected, same = _command(cases, tmp_path, "scan", "-j", "2", ".")
    assert unaffected["started"] is False
    assert same.splitlines()[1:] == report.splitlines()[1:]  # one more file scanned
    walmart = next(p for p in sorted(cases.path.rglob("*.py")) if b"WM_SEC" in p.read_bytes())
    walmart.write_bytes(walmart.read_bytes() + b"# retries are the caller's business\n")
    edited, same = _command(cases, tmp_path, "scan", "-j", "2", ".")
    assert (edited["started"], edited["libcst"], edited["workers"]) == (True, False, 0)
    assert same.splitlines()[1:] == report.splitlines()[1:]


def test_apply_writes_what_it_writes_in_one_process(cases: Repo, tmp_path: Path) -> None:
    reference = Repo(tmp_path / "reference", init=False)
    shutil.copytree(cases.path, reference.path, dirs_exist_ok=True)
    lean, _ = _command(cases, tmp_path, "apply", "-j", "2", ".")
    alone, _ = _command(reference, tmp_path, "apply", "-j", "1", ".")
    assert (lean["libcst"], alone["libcst"]) == (False, True)
    written = sorted(p.relative_to(cases.path) for p in cases.path.rglob("*.py"))
    assert written == sorted(p.relative_to(reference.path) for p in reference.path.rglob("*.py"))
    for path in written:
        assert (cases.path / path).read_bytes() == (reference.path / path).read_bytes(), path
    assert any(b"WM_SEC.ACCESS_TOKEN" in (cases.path / p).read_bytes() for p in written)


def test_a_run_the_cache_cannot_answer_after_all_still_parses_in_workers(
        cases: Repo, tmp_path: Path) -> None:
    """Every file the recorded run read is as it was, so the cache looked likely to answer;
    a new Walmart file joins the run, and the workers start once the cache says no."""
    _command(cases, tmp_path, "scan", "-j", "2", ".")
    walmart = next(p for p in sorted(cases.path.rglob("*.py")) if b"WM_SEC" in p.read_bytes())
    copy = cases.write("shop/another_client.py", walmart.read_bytes())
    os.utime(copy, (time.time() - 60,) * 2)
    joined, report = _command(cases, tmp_path, "scan", "-j", "2", ".")
    assert (joined["started"], joined["libcst"]) == (True, False)
    assert "shop/another_client.py" in report


def test_apply_after_scan_starts_its_workers_at_once(cases: Repo, tmp_path: Path) -> None:
    """The cache holds findings, never text to write: an apply whose files are to change
    computes them, so it starts its workers before it finds the files."""
    _command(cases, tmp_path, "scan", "-j", "2", ".")
    applied, _ = _command(cases, tmp_path, "apply", "-j", "2", ".")
    assert (applied["started"], applied["libcst"]) == (True, False)
    assert any(b"WM_SEC.ACCESS_TOKEN" in p.read_bytes() for p in cases.path.rglob("*.py"))

"""A run with worker processes leaves none behind: SIGTERM to the process group (a CI job
cancelled) stops it as ctrl-C does, and a run killed outright takes its workers with it.
Real processes, real signals; the workers are found in /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import alive, processes
from tests.runner.conftest import ROOT, Repo

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="finds the workers in /proc; dies with its parent on Linux")

LEGACY = ROOT / "fixtures" / "codemods" / "class_client_cryptography" / "before" / "acme" / "walmart.py"


def _workers(pid: int) -> list[int]:
    """The run's workers: its children, and theirs (the first worker forks the others)."""
    children = _children(pid)
    return children + [grandchild for child in children for grandchild in _children(child)]


def _children(pid: int) -> list[int]:
    return [child for child, fields in processes() if int(fields[1]) == pid and alive(child)]


def _until(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.01)


@pytest.fixture
def scanning(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A scan of a repository big enough for workers and a few seconds of work, in a process
    group of its own, once its two workers run (the second forked by the first)."""
    repo = Repo(tmp_path / "seller")
    for index in range(150):
        repo.write(f"shop/client_{index}.py", LEGACY.read_text())
    repo.commit()
    process = subprocess.Popen([sys.executable, "-m", "migrate", "scan", "-j", "2", "."],
                               cwd=repo.path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        _until(lambda: len(_workers(process.pid)) >= 2 or process.poll() is not None)
        assert process.poll() is None, "the scan ended before its workers were seen"
        yield process
    finally:  # whatever a failing test left: workers left behind hold stderr open
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def _group_gone(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return True
    return all(not alive(pid) for pid in _members(group))


def _members(group: int) -> list[int]:
    return [pid for pid, fields in processes() if int(fields[2]) == group]


def test_sigterm_to_the_group_stops_the_run_and_its_workers(
        scanning: subprocess.Popen[str]) -> None:
    os.killpg(scanning.pid, signal.SIGTERM)
    _, err = scanning.communicate(timeout=60)
    assert scanning.returncode == 143, err
    assert err.strip().splitlines()[-1] == (
        "walmart-migrate: terminated (SIGTERM) before anything was written")
    _until(lambda: _group_gone(scanning.pid), 10)


def test_workers_end_with_a_run_killed_outright(scanning: subprocess.Popen[str]) -> None:
    workers = _workers(scanning.pid)
    os.kill(scanning.pid, signal.SIGKILL)
    scanning.wait(timeout=60)
    _until(lambda: not any(alive(pid) for pid in workers), 10)

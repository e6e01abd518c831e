"""The console script ends its process as soon as the command is done, without freeing what
the run built; everything a normal exit does that a seller or a tool can see still happens:
the exit code, all of the output (to a file or a pipe), exit handlers (coverage.py saves its
data in one), and other threads finishing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.runner.conftest import Repo

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample-seller"

_SCRIPT = """
import atexit, sys, threading, time
sys.path.insert(0, {root!r})
import walmart_migrate_entry
atexit.register(lambda: print("exit handler ran", file=sys.stderr))
if {thread}:
    def late():
        time.sleep(0.5)
        print("thread finished", file=sys.stderr)
    threading.Thread(target=late).start()
sys.argv = ["walmart-migrate", *{args!r}]
walmart_migrate_entry.main()
"""


@pytest.fixture(scope="module")
def seller(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("console") / "acme")
    shutil.copytree(SAMPLE / "seller", repo.path / "seller")
    repo.commit()
    return repo


def _console(args: list[str], cwd: Path, thread: bool = False) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(_SCRIPT).format(root=str(ROOT), args=args, thread=thread)
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("thread", [False, True], ids=["alone", "with-a-thread"])
def test_the_exit_code_output_and_exit_handlers_are_as_a_normal_exit_gives(
        seller: Repo, thread: bool) -> None:
    done = _console(["scan", "--format", "json", "--no-cache", "."], seller.path, thread)
    assert done.returncode == 1, done.stderr  # the sample seller has work to do
    report = json.loads(done.stdout)  # the whole report, flushed before the end
    assert report["files"]
    assert "exit handler ran" in done.stderr
    if thread:
        assert "thread finished" in done.stderr


@pytest.mark.parametrize("closed", ["2>&-", ">&-"], ids=["no-stderr", "no-stdout"])
def test_a_process_started_without_an_output_stream_keeps_its_exit_code(
        seller: Repo, closed: str) -> None:
    """Started with standard error or output closed (cron, a service manager), Python has
    None for the stream; the exit code is still the command's."""
    script = textwrap.dedent(_SCRIPT).format(root=str(ROOT), thread=False,
                                             args=["scan", "--no-cache", "."])
    done = subprocess.run(["bash", "-c", f'exec "$0" -c "$1" {closed}', sys.executable, script],
                          cwd=seller.path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr  # the sample seller has work to do
    assert "Traceback" not in done.stdout + done.stderr


def test_a_usage_error_still_ends_with_its_code(seller: Repo) -> None:
    done = _console(["scan", "--no-such-option"], seller.path)
    assert done.returncode == 2
    assert "no-such-option" in done.stderr and "exit handler ran" in done.stderr


def test_a_closed_pipe_ends_as_it_always_did(seller: Repo) -> None:
    """``walmart-migrate scan | head -1``: the reader goes away; nothing hangs, no traceback."""
    script = textwrap.dedent(_SCRIPT).format(root=str(ROOT), thread=False,
                                             args=["scan", "--no-cache", "."])
    with subprocess.Popen([sys.executable, "-c", script], cwd=seller.path,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()
        errors = process.stderr.read().decode()
        process.wait(timeout=120)
    assert "Traceback" not in errors

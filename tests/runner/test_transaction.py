"""`apply` writes all files or none, and its report with them: real git repositories, real
processes, real signals, a real full device."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runner.conftest import LEGACY, MIGRATED, ROOT, TOY_OPTIONS, Repo, interruptible

needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")


def leftovers(repo: Repo) -> list[str]:
    """Temporary files and backups of a run: none may stay."""
    return sorted(str(p.relative_to(repo.path)) for p in repo.path.rglob("*.walmart-migrate")
                  if ".git" not in p.parts)


def two_files(repo: Repo) -> None:
    repo.write("app/client.py", LEGACY)
    repo.write("app/orders.py", LEGACY)
    repo.commit()


def test_a_read_only_file_stops_every_write(repo: Repo) -> None:
    two_files(repo)
    (repo.path / "app/orders.py").chmod(0o444)
    done = repo.run("apply", ".")
    assert done.code == 1
    assert repo.read("app/client.py") == LEGACY.encode()
    assert repo.read("app/orders.py") == LEGACY.encode()
    assert "walmart-migrate: app/orders.py: read-only file; make it writable" in done.err
    assert "nothing was written: apply writes all files or none" in done.err
    assert "app/client.py: skipped: not written: app/orders.py could not be written" in done.out
    assert leftovers(repo) == []


def test_an_edit_during_the_run_stops_every_write(repo: Repo) -> None:
    repo.write("app/client.py", LEGACY)
    repo.write("app/orders.py", LEGACY + "MUTATE_DURING_RUN = 1\n")
    repo.commit()
    done = repo.run("apply", "--allow-dirty", ".")
    assert done.code == 1
    assert "app/orders.py: changed while the run was in flight; run again" in done.err
    assert repo.read("app/client.py") == LEGACY.encode()
    assert repo.read("app/orders.py").endswith(b"# saved by an editor\n")
    assert leftovers(repo) == []


def test_the_report_is_written_with_the_files(repo: Repo) -> None:
    two_files(repo)
    (repo.path / "out").mkdir()
    done = repo.run("apply", "--report", "out/report.json", ".")
    assert done.code == 0, done.err
    report = json.loads((repo.path / "out/report.json").read_text())
    assert {f["path"]: f["status"] for f in report["files"]} == {"app/client.py": "changed",
                                                                 "app/orders.py": "changed"}
    assert repo.read("app/client.py") == MIGRATED.encode()
    assert leftovers(repo) == [] and not list((repo.path / "out").glob(".*"))
    umask = os.umask(0o022)
    os.umask(umask)
    assert (repo.path / "out/report.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_report_into_a_missing_folder_is_refused_before_any_work(repo: Repo) -> None:
    two_files(repo)
    done = repo.run("apply", "--report", "no/such/report.json", ".")
    assert done.code == 2
    assert done.err.strip().splitlines() == [
        f"walmart-migrate: --report no/such/report.json: folder {repo.path / 'no/such'} does not "
        "exist; create it or choose another path"]
    assert done.out == ""
    assert repo.read("app/client.py") == LEGACY.encode()


@needs_dev_full
def test_a_report_to_a_full_device_leaves_every_file_as_it_was(repo: Repo) -> None:
    two_files(repo)
    os.chmod(repo.path / "app/orders.py", 0o640)
    done = repo.run("apply", "--report", "/dev/full", ".")
    assert done.code == 2
    assert "cannot write the report to /dev/full: No space left on device; nothing was written" \
        in done.err
    assert repo.read("app/client.py") == LEGACY.encode()
    assert repo.read("app/orders.py") == LEGACY.encode()
    assert (repo.path / "app/orders.py").stat().st_mode & 0o777 == 0o640
    assert leftovers(repo) == []


def _apply_in_background(repo: Repo, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "migrate", "apply", *args, ".", *TOY_OPTIONS]
    return subprocess.Popen(command, cwd=repo.path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=interruptible,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


# ctrl-C, and SIGTERM (a CI job cancelled, `timeout`, `docker stop`): the same stop.
STOPS = pytest.mark.parametrize(("stop", "code", "said"), [
    (signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated (SIGTERM)")],
    ids=["SIGINT", "SIGTERM"])


@STOPS
def test_ctrl_c_while_writing_puts_every_file_back(repo: Repo, stop: int, code: int,
                                                    said: str) -> None:
    """The report goes to a pipe nobody reads yet (as `--report >(jq .)` before jq starts):
    the run blocks there with every file already renamed into place, and the signal
    arrives."""
    two_files(repo)
    pipe = repo.path / "report.pipe"
    os.mkfifo(pipe)
    (repo.path / ".git/info/exclude").write_text("report.pipe\n")
    process = _apply_in_background(repo, "--report", str(pipe))
    # Every file renamed: the run is at the report, the last step of its transaction.
    while process.poll() is None and not (repo.read("app/client.py") == MIGRATED.encode() and
                                          repo.read("app/orders.py") == MIGRATED.encode()):
        time.sleep(0.01)
    assert process.poll() is None, process.communicate()
    process.send_signal(stop)
    out, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    assert err.strip().splitlines()[-1] == (
        f"walmart-migrate: {said}; the 2 file(s) already rewritten were put back as they "
        "were (app/orders.py, app/client.py); nothing was written")
    assert repo.read("app/client.py") == LEGACY.encode()
    assert repo.read("app/orders.py") == LEGACY.encode()
    assert leftovers(repo) == []
    assert out == ""


@STOPS
def test_ctrl_c_before_writing_writes_nothing(repo: Repo, stop: int, code: int,
                                              said: str) -> None:
    """The signal while git is asked about uncommitted changes: a real git blocked on a
    lock."""
    two_files(repo)
    hook_pipe = repo.path / "wait.pipe"
    os.mkfifo(hook_pipe)
    # git status runs the fsmonitor hook and waits for it: the hook waits on the pipe.
    hook = repo.path / ".git/hooks/fsmonitor-wait"
    hook.write_text(f"#!/bin/sh\ncat {hook_pipe} >/dev/null\n")
    hook.chmod(0o755)
    subprocess.run(["git", "-C", str(repo.path), "config", "core.fsmonitor", str(hook)], check=True)
    (repo.path / ".git/info/exclude").write_text("wait.pipe\n")
    process = _apply_in_background(repo)
    with open(hook_pipe, "w"):  # returns once the hook has opened the pipe: git is waiting
        process.send_signal(stop)
        out, err = process.communicate(timeout=60)
    assert out == ""
    assert process.returncode == code, err
    assert err.strip().splitlines()[-1] == f"walmart-migrate: {said} before anything was written"
    assert repo.read("app/client.py") == LEGACY.encode()
    assert repo.read("app/orders.py") == LEGACY.encode()
    assert leftovers(repo) == []


def test_what_a_killed_apply_leaves_is_pointed_out(repo: Repo) -> None:
    """SIGKILL cannot be caught: the backups stay, and the next run says where they are."""
    two_files(repo)
    pipe = repo.path / "report.pipe"
    os.mkfifo(pipe)
    (repo.path / ".git/info/exclude").write_text("report.pipe\n")
    process = _apply_in_background(repo, "--report", str(pipe))
    while process.poll() is None and repo.read("app/orders.py") != MIGRATED.encode():
        time.sleep(0.01)
    process.kill()
    process.communicate(timeout=60)
    backups = leftovers(repo)
    assert len(backups) == 2 and all(".backup.walmart-migrate" in b for b in backups)
    assert [(repo.path / b).read_bytes() for b in backups] == [LEGACY.encode()] * 2
    done = repo.run("scan", ".")
    warned = sorted(line.split(": ")[2] for line in done.err.splitlines() if "killed" in line)
    assert warned == backups
    assert "check that file with git, then delete this one" in done.err

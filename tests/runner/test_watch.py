"""``scan --watch``: a real ``walmart-migrate`` process watching a real git repository, edited
as a seller edits it; each save is reported again from the same process, and ctrl-C ends it."""

from __future__ import annotations

import errno
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from migrate.watch import Relevant
from tests.runner.conftest import Repo, interruptible

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "fixtures" / "codemods" / "class_client_cryptography" / "before" / "acme"
WAIT = 60  # seconds; a scan takes well under one


class Watching:
    """The process, with what it printed so far: stdout as reports, stderr as lines."""

    def __init__(self, repo: Repo, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "migrate", "scan", "--watch", *args, "."], cwd=repo.path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.out: list[str] = []
        self.err: queue.Queue[str] = queue.Queue()
        self.said: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stdout, self.out.append),
                         daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.err.put),
                         daemon=True).start()

    @staticmethod
    def _read(stream: IO[str], keep: object) -> None:
        for line in stream:
            keep(line)  # type: ignore[operator]

    def report(self) -> tuple[str, list[str]]:
        """The next report, once the process says it is watching again, with what it said
        on stderr meanwhile."""
        said: list[str] = []
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.err.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            said.append(line)
            if "for changes; ctrl-C stops" in line:
                text = "".join(self.out)
                self.out.clear()
                self.said += said
                return text, said
        raise AssertionError(f"no report within {WAIT}s; stderr: {''.join(said)}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=WAIT)
        time.sleep(0.1)  # the readers take the last lines
        while not self.err.empty():
            self.said.append(self.err.get())
        return code

    def __enter__(self) -> Watching:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=WAIT)


def save(path: Path, text: str) -> None:
    """As an editor saves: the whole new text at once (a half-written file is the next scan's
    to see, which the test could not predict)."""
    draft = path.with_name(f".{path.name}.draft")
    draft.write_text(text)
    os.replace(draft, path)


@pytest.fixture
def seller(repo: Repo) -> Repo:
    shutil.copytree(LEGACY, repo.path / "acme")
    repo.commit()
    return repo


def test_each_save_is_reported_again_by_the_same_process_until_ctrl_c(seller: Repo) -> None:
    with Watching(seller) as watching:
        first, said = watching.report()
        assert "would rewrite acme/walmart.py:28" in first
        # A new legacy client appears...
        save(seller.path / "acme/orders.py", (seller.path / "acme/walmart.py").read_text())
        second, said = watching.report()
        assert any("acme/orders.py changed; scanning again" in line for line in said), said
        assert "would rewrite acme/orders.py:28" in second
        assert "would rewrite acme/walmart.py:28" in second
        # ...and goes again: the report follows the files as they are now.
        (seller.path / "acme/orders.py").unlink()
        third, _ = watching.report()
        assert "acme/orders.py" not in third
        assert "would rewrite acme/walmart.py:28" in third
        assert watching.stop() == 0
        assert not any("Traceback" in line for line in watching.said), watching.said


def test_a_scan_that_cannot_run_says_why_and_the_next_save_mends_it(seller: Repo) -> None:
    with Watching(seller) as watching:
        watching.report()
        settings = seller.path / "pyproject.toml"
        save(settings, "[tool.walmart-migrate\ntarget = 'oauth'\n")
        broken, said = watching.report()
        assert broken == ""
        assert any(line.startswith("walmart-migrate: ") and "pyproject.toml" in line
                   and "watching" not in line and "changed" not in line for line in said), said
        save(settings, "[tool.walmart-migrate]\ntarget = 'rollout'\n")
        mended, _ = watching.report()
        assert "would rewrite acme/walmart.py:28" in mended
        assert watching.stop() == 0


def test_files_a_scan_does_not_read_start_no_scan(seller: Repo) -> None:
    with Watching(seller, "--format", "json") as watching:
        watching.report()
        save(seller.path / "notes.md", "what is left to migrate\n")
        save(seller.path / ".git" / "scratch.py", "x = 1\n")
        save(seller.path / "acme" / "client.py", "x = 1\n")
        _, said = watching.report()
        changed = [line for line in said if "scanning again" in line]
        assert len(changed) == 1 and "acme/client.py changed" in changed[0], said
        assert watching.stop() == 0


def test_the_watch_ends_at_once_when_the_first_scan_cannot_run(repo: Repo) -> None:
    done = subprocess.run([sys.executable, "-m", "migrate", "scan", "--watch", "missing"],
                          cwd=repo.path, capture_output=True, text=True, timeout=WAIT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2
    assert "missing: no such file or folder" in done.stderr
    assert "watching" not in done.stderr


@pytest.mark.parametrize(("path", "relevant"), [
    ("app/client.py", True), ("app/types.pyi", True), ("pyproject.toml", True),
    ("setup.cfg", True), (".gitignore", True), ("requirements-dev.txt", True),
    ("Pipfile", True), ("notes.md", False), (".git/walmart-migrate/ab/cd.json", False),
    (".git/index", False), (".venv/lib/site.py", False), ("app/__pycache__/c.cpython-311.pyc", False),
    ("app/.client.py.swp", False)])
def test_what_calls_for_a_scan(path: str, relevant: bool, tmp_path: Path) -> None:
    from watchfiles import Change

    assert Relevant()(Change.modified, str(tmp_path / path)) is relevant


def test_an_include_pattern_calls_for_a_scan_of_what_it_names(tmp_path: Path) -> None:
    from watchfiles import Change

    assert Relevant(("*.pyx",))(Change.added, str(tmp_path / "fast.pyx"))
    assert not Relevant()(Change.added, str(tmp_path / "fast.pyx"))


def test_the_watch_limit_says_how_to_raise_it() -> None:
    from migrate.watch import _remedy

    full = OSError(errno.ENOSPC, "No space left on device")
    assert "fs.inotify.max_user_watches" in _remedy(full)
    assert "fs.inotify.max_user_watches" in _remedy(RuntimeError("OS file watch limit reached"))
    assert _remedy(FileNotFoundError(errno.ENOENT, "No such file or directory")) == ""

"""``scan --watch``: a real ``walmart-migrate`` process watching a real git repository, edited
as a seller edits it; each save is reported again from the same process, and ctrl-C ends it."""

from __future__ import annotations

import errno
import os
import queue
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from migrate.watch import Relevant
from tests.runner.conftest import Repo, interruptible

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "fixtures" / "codemods" / "class_client_cryptography" / "before" / "acme"
WAIT = 60  # seconds; a scan takes well under one


class Watching:
    """The process, with what it prints, in order: the report on stdout is written out
    before the line on stderr that says the process watches again, and so is taken first."""

    def __init__(self, repo: Repo, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "migrate", "scan", "--watch", *args, "."], cwd=repo.path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=interruptible,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.printed: queue.Queue[tuple[str, str]] = queue.Queue()  # ("out" | "err", text)
        self.said: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None and self.process.stderr is not None
        out, err = self.process.stdout.fileno(), self.process.stderr.fileno()
        for stream in (out, err):
            os.set_blocking(stream, False)
        lines = b""
        with selectors.DefaultSelector() as selector:
            selector.register(out, selectors.EVENT_READ)
            selector.register(err, selectors.EVENT_READ)
            while selector.get_map():
                for key, _ in selector.select():
                    if key.fd == err:  # what stdout holds was written before this
                        self._queue(self._read(out) or b"")
                    chunk = self._read(key.fd)
                    if chunk is None:
                        selector.unregister(key.fd)
                    elif key.fd == out:
                        self._queue(chunk)
                    else:
                        *complete, lines = (lines + chunk).split(b"\n")
                        for line in complete:
                            self.printed.put(("err", line.decode() + "\n"))

    def _queue(self, chunk: bytes) -> None:
        if chunk:
            self.printed.put(("out", chunk.decode()))

    @staticmethod
    def _read(stream: int) -> bytes | None:
        """What the pipe holds now (b"" when nothing yet); None once it is closed and empty."""
        taken = b""
        while True:
            try:
                chunk = os.read(stream, 65536)
            except BlockingIOError:
                return taken
            if not chunk:
                return taken or None
            taken += chunk

    def report(self) -> tuple[str, list[str]]:
        """The next report, once the process says it is watching again, with what it said
        on stderr meanwhile."""
        said: list[str] = []
        text = ""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                where, printed = self.printed.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            if where == "out":
                text += printed
                continue
            said.append(printed)
            if "for changes; ctrl-C stops" in printed:
                self.said += said
                return text, said
        raise AssertionError(f"no report within {WAIT}s; stderr: {''.join(said)}")

    def until(self, wanted: str) -> tuple[str, list[str]]:
        """The first report holding ``wanted``, with what was said on stderr up to it: one
        save can reach the watch as two batches on a loaded machine (the new file, then
        its content), each scanned."""
        said: list[str] = []
        for _ in range(5):
            text, more = self.report()
            said += more
            if wanted in text:
                return text, said
        raise AssertionError(f"no report holds {wanted!r}; stderr: {''.join(said)}")

    def stop(self, stop: int = signal.SIGINT) -> int:
        self.process.send_signal(stop)
        code = self.process.wait(timeout=WAIT)
        time.sleep(0.1)  # the pump takes the last lines
        while not self.printed.empty():
            where, printed = self.printed.get()
            if where == "err":
                self.said.append(printed)
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
        second, said = watching.until("acme/orders.py:28")
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


def test_sigterm_ends_the_watch_as_ctrl_c_does(seller: Repo) -> None:
    with Watching(seller) as watching:
        first, _ = watching.report()
        assert "would rewrite acme/walmart.py:28" in first
        assert watching.stop(signal.SIGTERM) == 0
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
        watching.until("would rewrite acme/walmart.py:28")
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


def test_folders_renamed_or_made_with_their_files_are_scanned_again(seller: Repo) -> None:
    legacy = (seller.path / "acme" / "walmart.py").read_text()
    with Watching(seller) as watching:
        watching.report()
        os.rename(seller.path / "acme", seller.path / "shop")
        moved, _ = watching.until("would rewrite shop/walmart.py:28")
        assert "acme/" not in moved
        for number in range(3):  # as a checkout makes a package: folder and files at once
            package = seller.path / f"orders{number}"
            package.mkdir()
            (package / "__init__.py").write_text("")
            (package / "walmart.py").write_text(legacy)
            watching.until(f"would rewrite orders{number}/walmart.py:28")
        assert watching.stop() == 0


def test_the_report_the_watch_writes_starts_no_scan(seller: Repo) -> None:
    with Watching(seller, "--report", "walmart_report.py", "--include", "*.json") as watching:
        watching.report()
        time.sleep(1.5)  # a scan the report started would have begun by now
        assert watching.printed.empty()
        save(seller.path / "acme" / "client.py", "x = 1\n")
        _, said = watching.report()
        assert next(line for line in said if "changed" in line).endswith(
            "acme/client.py changed; scanning again\n")
        assert (seller.path / "walmart_report.py").is_file()
        assert watching.stop() == 0


def test_the_projects_include_patterns_name_what_is_watched(seller: Repo) -> None:
    save(seller.path / "pyproject.toml",
         '[tool.walmart-migrate]\ninclude = ["*.py", "bin/*"]\n')
    (seller.path / "bin").mkdir()
    with Watching(seller) as watching:
        watching.report()
        save(seller.path / "bin" / "sync-orders", (seller.path / "acme/walmart.py").read_text())
        watching.until("would rewrite bin/sync-orders:28")
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
    ("Pipfile", True), ("legacy/pyvenv.cfg", True), (".git/info/exclude", True),
    ("notes.md", False), (".git/walmart-migrate/ab/cd.json", False), (".git/index", False),
    (".venv/lib/site.py", False), ("app/__pycache__/c.cpython-311.pyc", False),
    ("app/.client.py.swp", False)])
def test_what_calls_for_a_scan(path: str, relevant: bool, tmp_path: Path) -> None:
    from watchfiles import Change

    assert Relevant(tmp_path)(Change.modified, str(tmp_path / path)) is relevant


def test_folders_coming_and_going_call_for_a_scan(tmp_path: Path) -> None:
    """A new folder's files can be written before the watch reaches it; a folder moved
    away takes its files with it in one event."""
    from watchfiles import Change

    (tmp_path / "acme2").mkdir()
    assert Relevant(tmp_path)(Change.added, str(tmp_path / "acme2"))
    assert Relevant(tmp_path)(Change.deleted, str(tmp_path / "acme"))
    assert not Relevant(tmp_path)(Change.deleted, str(tmp_path / "notes.md"))


def test_include_patterns_are_matched_as_the_scan_matches_them(tmp_path: Path) -> None:
    from watchfiles import Change

    relevant = Relevant(tmp_path, ("*.pyx", "bin/*"))
    assert relevant(Change.added, str(tmp_path / "fast.pyx"))
    assert relevant(Change.modified, str(tmp_path / "bin" / "sync-orders"))
    assert not relevant(Change.modified, str(tmp_path / "lib" / "sync-orders"))
    relevant.include = ()  # the project's settings changed
    assert not relevant(Change.added, str(tmp_path / "fast.pyx"))


def test_the_report_and_what_symlinks_lead_to_outside_call_for_none(tmp_path: Path) -> None:
    from watchfiles import Change

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "linked").symlink_to(outside, target_is_directory=True)
    relevant = Relevant(tree, ignore=frozenset({str(tree / "walmart_report.py")}))
    assert not relevant(Change.modified, str(tree / "linked" / "client.py"))
    assert not relevant(Change.modified, str(tree / "walmart_report.py"))
    assert relevant(Change.modified, str(tree / "client.py"))


def test_the_watch_limit_says_how_to_raise_it() -> None:
    from migrate.watch import _remedy

    full = OSError(errno.ENOSPC, "No space left on device")
    assert "fs.inotify.max_user_watches" in _remedy(full)
    assert "fs.inotify.max_user_watches" in _remedy(RuntimeError("OS file watch limit reached"))
    assert _remedy(FileNotFoundError(errno.ENOENT, "No such file or directory")) == ""

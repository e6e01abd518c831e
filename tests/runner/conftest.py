from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.runner.toy_codemods import TOYS

ROOT = Path(__file__).resolve().parents[2]
TOY_OPTIONS = ("--codemod", f"{TOYS}:RenameSignatureHeader", "--codemod", f"{TOYS}:FlagCanada",
               "--codemod", f"{TOYS}:Explodes", "--codemod", f"{TOYS}:MutatesDuringRun")

LEGACY = 'import requests\n\ndef headers(sig):\n    return {"WM_SEC.AUTH_SIGNATURE": sig}\n'
MIGRATED = LEGACY.replace("AUTH_SIGNATURE", "ACCESS_TOKEN")


@dataclass
class Done:
    code: int
    out: str
    err: str


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


class Repo:
    """A real git repository in a temporary folder."""

    def __init__(self, path: Path, init: bool = True) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        if init:
            git(path, "init", "-q", "-b", "main")
            git(path, "config", "user.email", "seller@example.com")
            git(path, "config", "user.name", "Seller")

    def write(self, name: str, content: str | bytes) -> Path:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content)
        else:
            target.write_bytes(content)
        return target

    def commit(self, message: str = "seller code") -> None:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", message)

    def read(self, name: str) -> bytes:
        return (self.path / name).read_bytes()

    def run(self, *args: str, toys: bool = True, env: dict[str, str] | None = None) -> Done:
        """The command line in this folder: in this process (a new one costs a third of a
        second of imports, a hundred times over), or with ``env`` - read when Python starts -
        in a process of its own, as a seller starts it."""
        arguments = list(args)
        if toys and args and args[0] in ("scan", "apply"):
            arguments += list(TOY_OPTIONS)
        if env is None:
            return _here(self.path, arguments)
        command = [sys.executable, "-m", "migrate", *arguments]
        full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        done = subprocess.run(command, cwd=self.path, capture_output=True, text=True, env=full,
                              timeout=120)
        return Done(done.returncode, done.stdout, done.stderr)


def _here(folder: Path, arguments: list[str]) -> Done:
    """``walmart-migrate ARGUMENTS`` run from ``folder`` in this process: the command's own
    entry (its one-line internal errors included), with standard input empty and standard
    output and error captured as bytes (a diff is written to ``sys.stdout.buffer``)."""
    from migrate.cli import main

    # The wrappers are kept until their bytes are read: one that goes closes its buffer.
    given = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape",
                                 write_through=True) for _ in range(2))
    streams = (sys.stdin, sys.stdout, sys.stderr)
    before = Path.cwd()
    os.chdir(folder)
    sys.stdin, sys.stdout, sys.stderr = given, out, err
    try:
        main(arguments)
        code = 0
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            code = done.code or 0
        else:  # a message: Python prints it and exits 1
            err.write(f"{done.code}\n")
            code = 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        os.chdir(before)
    out.flush()
    err.flush()
    return Done(code, _text(out), _text(err))


def _text(stream: io.TextIOWrapper) -> str:
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", "surrogateescape")


@pytest.fixture(autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs outside git keep their cache in the user's cache folder: a temporary one here."""
    folder = tmp_path_factory.mktemp("user-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "seller")


def interruptible() -> None:
    """For a child process that a test stops with SIGINT: a suite started in the background
    (``make test &``) has SIGINT ignored, and a child would inherit that and never stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def every_case(repo: Repo, step: int = 1) -> None:
    """Every fixture case (every ``step``-th) and the sample seller in one repository,
    committed, so that their files join one another too."""
    for case in sorted((ROOT / "fixtures" / "codemods").iterdir())[::step]:
        if (case / "before").is_dir():
            shutil.copytree(case / "before", repo.path / case.name)
    shutil.copytree(ROOT / "fixtures" / "sample-seller" / "seller", repo.path / "seller")
    repo.commit()

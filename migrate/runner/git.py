"""Git safety: find the repository, and which of the files a run would touch have changes
that are not committed (rewriting those would mix our edit into the seller's)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GitError", "Repository", "dirty_files", "repository_of"]

# The one answer that means "no repository here"; any other failure (dubious ownership, a
# broken config, a missing worktree) leaves the safety net unknown, and a run that writes
# must not go on as if there were none.
_NOT_A_REPOSITORY = re.compile(r"not a git repository \(or any (of the )?parent")


def _environment() -> dict[str, str]:
    """git's messages are translated: _NOT_A_REPOSITORY reads the untranslated ones."""
    return {**os.environ, "LC_ALL": "C"}


class GitError(RuntimeError):
    pass


@dataclass(frozen=True)
class Repository:
    root: Path  # the top of the work tree
    git_dir: Path  # .git (or the worktree's folder in it): what git never carries to a clone


def _message(stderr: str) -> str:
    """git's message on one line: 'fatal: ...' lines and the advice after them."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return " ".join(lines) or "no message"


def repository_of(path: Path) -> Repository | None:
    """The repository ``path`` is in; None when it is in none. Raises ``GitError`` with
    git's own message when git cannot tell."""
    folder = path if path.is_dir() else path.parent
    try:
        done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel",
                               "--absolute-git-dir"], capture_output=True, text=True, timeout=30,
                              env=_environment())
    except FileNotFoundError:
        if any((p / ".git").exists() for p in (folder.resolve(), *folder.resolve().parents)):
            raise GitError(f"{folder} is in a git repository but git is not installed; install "
                           "git so that uncommitted changes can be checked") from None
        return None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"cannot run git in {folder}: {exc}") from None
    if done.returncode != 0:
        if _NOT_A_REPOSITORY.search(done.stderr):
            return None
        raise GitError(f"git cannot read the repository of {folder}: {_message(done.stderr)}")
    lines = done.stdout.splitlines()
    if len(lines) != 2:
        raise GitError(f"git cannot read the repository of {folder}: unexpected answer "
                       f"{done.stdout.strip()!r}")
    return Repository(Path(lines[0]).resolve(), Path(lines[1]).resolve())


def dirty_files(root: Path, files: list[Path]) -> set[Path]:
    """Files among ``files`` that are modified, staged, or untracked."""
    if not files:
        return set()
    relative = [str(f.relative_to(root)) for f in files]
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain=v1", "-z", "--untracked-files=all",
             "--", *relative], capture_output=True, timeout=60, env=_environment())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"cannot run git status in {root}: {exc}") from None
    if done.returncode != 0:
        raise GitError(f"git status failed in {root}: "
                       f"{_message(done.stderr.decode(errors='replace'))}")
    dirty: set[Path] = set()
    entries = done.stdout.split(b"\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        status, name = entry[:2], entry[3:].decode("utf-8", "surrogateescape")
        if status[:1] in (b"R", b"C"):
            index += 1  # a rename is followed by its old name
        dirty.add((root / name).resolve())
    return dirty

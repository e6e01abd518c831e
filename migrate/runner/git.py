"""Git safety: find the repository, and which of the files a run would touch have changes
that are not committed (rewriting those would mix our edit into the seller's)."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["GitError", "dirty_files", "git_root"]


class GitError(RuntimeError):
    pass


def git_root(path: Path) -> Path | None:
    folder = path if path.is_dir() else path.parent
    try:
        done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 else None


def dirty_files(root: Path, files: list[Path]) -> set[Path]:
    """Files among ``files`` that are modified, staged, or untracked."""
    if not files:
        return set()
    relative = [str(f.relative_to(root)) for f in files]
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain=v1", "-z", "--untracked-files=all",
             "--", *relative], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"cannot run git status in {root}: {exc}") from None
    if done.returncode != 0:
        raise GitError(f"git status failed in {root}: {done.stderr.decode(errors='replace').strip()}")
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

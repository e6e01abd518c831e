"""Where a run's paths live: one repository, or one folder tree outside git, so that
.gitignore rules, module names, the cache and report paths share one root."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from migrate.runner.git import GitError, Repository, repository_of

__all__ = ["LocateError", "Location", "locate"]


class LocateError(Exception):
    """The paths cannot be run over together, or git cannot say where they are."""


@dataclass(frozen=True)
class Location:
    repository: Repository | None
    root: Path  # .gitignore rules, include/exclude patterns and module names start here
    base: Path  # report and diff paths are relative to this


def _existing_folder(given: Path) -> Path:
    """The folder to ask git about: a missing path is reported by discovery, later."""
    folder = Path(os.path.abspath(given))
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return folder


def locate(paths: tuple[Path, ...], write: bool, warn: Callable[[str], None]) -> Location:
    """Raises ``LocateError`` when git fails for a run that writes (the check for
    uncommitted changes would be skipped) or when the paths are in different repositories."""
    found: dict[Path, Repository | None] = {}
    for given in paths:
        folder = _existing_folder(given)
        try:
            found[given] = repository_of(folder)
        except GitError as exc:
            if write:
                raise LocateError(f"{exc}; nothing was written") from None
            warn(f"{exc}; going on as if {folder} were in no repository")
            found[given] = None
    repositories = set(found.values())
    if len(repositories) > 1:
        where = ", ".join(f"{given} ({r.root if r else 'no repository'})"
                          for given, r in found.items())
        raise LocateError(f"the paths are in different repositories: {where}; run "
                          "walmart-migrate once per repository")
    (repository,) = repositories
    if repository is not None:
        return Location(repository, repository.root, repository.root)
    folders = [_existing_folder(given) for given in paths]
    return Location(None, Path(os.path.commonpath(folders)), Path.cwd())

"""A whole run over a repository: discover, prefilter, transform in parallel, then - for
``apply`` - check git and write atomically. Returns results; prints nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from codemods.base import MigrationOptions
from codemods.registry import CODEMODS, markers_of
from migrate.runner.discover import discover
from migrate.runner.git import GitError, dirty_files, git_root
from migrate.runner.parallel import map_files
from migrate.runner.progress import Progress
from migrate.runner.project import ProjectConfigError, find_project_config
from migrate.runner.results import EXIT_CHANGES, EXIT_INTERNAL, EXIT_OK, RunResult
from migrate.runner.transform import Plan
from migrate.runner.write import write_atomically

__all__ = ["RunError", "RunRequest", "exit_code", "run"]

_NEEDS_MIGRATION = ("marketplace-signature", "hybrid")


class RunError(Exception):
    """A problem with how the run was asked for: the message is one line per problem."""


@dataclass(frozen=True)
class RunRequest:
    paths: tuple[Path, ...]
    write: bool = False
    jobs: int = 0  # 0: one per core
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    target: str | None = None
    allow_dirty: bool = False
    codemods: tuple[str, ...] = CODEMODS
    progress: bool | None = None  # None: on a terminal only


@dataclass
class Run:
    result: RunResult
    base: Path  # report and diff paths are relative to this
    warnings: list[str] = field(default_factory=list)


def _plan(request: RunRequest, root: Path, warnings: list[str]) -> tuple[Plan, RunRequest]:
    try:
        project = find_project_config(request.paths[0], stop=root)
    except ProjectConfigError as exc:
        raise RunError(str(exc)) from None
    options = MigrationOptions(target=request.target or "oauth")
    markers = markers_of(request.codemods)
    if project is not None:
        request = replace(request, include=project.include + request.include,
                          exclude=project.exclude + request.exclude)
        options = replace(options, target=request.target or project.target or "oauth",
                          renames=tuple(project.renames.items()))
        markers += tuple(m.encode() for m in project.markers)
    return Plan(request.codemods, markers, options), request


def run(request: RunRequest) -> Run:
    warnings: list[str] = []
    say = warnings.append
    if not request.paths:
        raise RunError("no path given: name the files or folders to migrate")
    first = Path(os.path.abspath(request.paths[0]))
    repo = git_root(first if first.exists() else first.parent)
    root = repo or (first if first.is_dir() else first.parent)
    base = repo or Path.cwd()
    plan, request = _plan(request, root, warnings)
    found = discover(list(request.paths), root, base, request.include, request.exclude)
    if found.missing:
        raise RunError("; ".join(f"{m}: no such file or folder" for m in found.missing))
    for link in found.outside_links:
        say(f"{link}: symlink leaves the tree; skipped")
    progress = Progress(len(found.files), "walmart-migrate", enabled=request.progress)
    jobs = request.jobs or os.cpu_count() or 1
    outcomes = map_files(found.files, plan, jobs,
                         lambda r: progress.advance(r is not None and r.status == "changed"), say)
    progress.close()
    result = RunResult(scanned=len(found.files))
    real_paths: dict[str, Path] = {}
    for (path, _), outcome in zip(found.files, outcomes):
        if outcome is not None:
            result.files.append(outcome)
            real_paths[outcome.path] = path
    if request.write and result.changed:
        _write(result, real_paths, repo, request.allow_dirty, say)
    return Run(result, base, warnings)


def _write(result: RunResult, real_paths: dict[str, Path], repo: Path | None, allow_dirty: bool,
           say: Callable[[str], None]) -> None:
    targets = [real_paths[r.path] for r in result.changed]
    if repo is None:
        say("not in a git repository: files are rewritten with no way back but your backups")
    elif not allow_dirty:
        try:
            dirty = dirty_files(repo, targets)
        except GitError as exc:
            raise RunError(f"{exc}; pass --allow-dirty to skip the check") from None
        if dirty:
            names = sorted(str(p.relative_to(repo)) for p in dirty)
            raise RunError("refusing to rewrite files with uncommitted changes: "
                           f"{', '.join(names)}; commit or stash them, or pass --allow-dirty")
    for file_result in result.changed:
        assert file_result.original is not None and file_result.new is not None
        problem = write_atomically(real_paths[file_result.path], file_result.original,
                                   file_result.new)
        if problem:
            file_result.status, file_result.reason = "failed", problem
        else:
            file_result.written = True


def _needs_a_person(result: RunResult) -> bool:
    return any(r.needs_a_person for r in result.files)


def exit_code(result: RunResult, command: str, check: bool) -> int:
    """0 clean, 1 changes needed (or left for a person), 123 a codemod failed internally."""
    if result.internal_errors:
        return EXIT_INTERNAL
    if command == "scan":
        needs = any(f.scheme in _NEEDS_MIGRATION and f.action != "ignored"
                    for r in result.files for f in r.findings)
        return EXIT_CHANGES if needs or _needs_a_person(result) else EXIT_OK
    if check and any(r.status == "changed" for r in result.files):
        return EXIT_CHANGES
    return EXIT_CHANGES if _needs_a_person(result) else EXIT_OK

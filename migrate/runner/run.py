"""A whole run over a repository: discover, prefilter, transform in parallel, then - for
``apply`` - check git and write atomically. Returns results; prints nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from codemods.base import MigrationOptions
from codemods.flow.facts import FileFacts
from codemods.flow.plan import RepoPlan, plan_repository
from codemods.registry import CODEMODS, markers_of
from migrate.runner.discover import discover
from migrate.runner.git import GitError, dirty_files, git_root
from migrate.runner.modules import module_of
from migrate.runner.parallel import Workers
from migrate.runner.progress import Progress
from migrate.runner.project import ProjectConfigError, find_project_config
from migrate.runner.results import EXIT_CHANGES, EXIT_INTERNAL, EXIT_OK, FileResult, RunResult
from migrate.runner.transform import Plan, SourceFile, analyze_file, has_marker, migrate_file
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
    mark_manual: bool = False
    codemods: tuple[str, ...] = CODEMODS
    progress: bool | None = None  # None: on a terminal only


@dataclass
class Run:
    result: RunResult
    base: Path  # report and diff paths are relative to this
    warnings: list[str] = field(default_factory=list)
    plan: RepoPlan | None = None


def _plan(request: RunRequest, root: Path, warnings: list[str]) -> tuple[Plan, RunRequest]:
    try:
        project = find_project_config(request.paths[0], stop=root)
    except ProjectConfigError as exc:
        raise RunError(str(exc)) from None
    options = MigrationOptions(target=request.target or "oauth", mark_manual=request.mark_manual)
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
        warnings.append(f"{link}: symlink leaves the tree; skipped")
    sources = [SourceFile(str(path), display, *module_of(path, root)) for path, display in found.files]
    jobs = request.jobs or os.cpu_count() or 1
    progress = Progress(len(sources), "walmart-migrate", enabled=request.progress)
    with Workers(jobs, warnings.append) as workers:
        result, plan = _two_passes(sources, plan, workers, progress)
    progress.close()
    result.scanned = len(sources)
    if plan.repo is not None:
        result.kept_names = dict(plan.repo.renames.kept)
    for file_result in result.files:
        result.environment.update(file_result.environment)
    if request.write and result.changed:
        real_paths = {s.display: Path(s.path) for s in sources}
        _write(result, real_paths, repo, request.allow_dirty, warnings.append)
    return Run(result, base, warnings, plan.repo)


def _two_passes(sources: list[SourceFile], plan: Plan, workers: Workers,
                progress: Progress) -> tuple[RunResult, Plan]:
    """First every candidate is analysed, then the repository plan is made, then every file
    the plan touches is rewritten with it."""
    candidates = [s for s in sources if _has_marker(s, plan.markers)]
    first = workers.map(analyze_file, [(s, plan) for s in candidates], lambda _: None)
    facts = {s.display: f for s, f in zip(candidates, first) if isinstance(f, FileFacts)}
    constants = {f"{f.module}.{n}": h for f in facts.values() for n, h in f.header_constants.items()}
    if constants:  # sites keyed by constants imported from another module need a second look
        again = [s for s in sources if s.display in facts and
                 set(facts[s.display].imports.values()) & set(constants)]
        for source, redone in zip(again, workers.map(
                analyze_file, [(s, plan, constants) for s in again], lambda _: None)):
            if isinstance(redone, FileFacts):
                facts[source.display] = redone
    settings = {m for f in facts.values() for m in f.settings_modules()}
    wanted = [s for s in sources if s.module in settings and s.display not in facts]
    for source, found in zip(wanted, workers.map(
            analyze_file, [(s, plan, constants, True) for s in wanted], lambda _: None)):
        if isinstance(found, FileFacts):  # a settings module: read, not reported on its own
            facts[source.display] = found
    repo_plan = plan_repository(list(facts.values()), plan.options.target,
                                dict(plan.options.renames))
    plan = replace(plan, repo=repo_plan)
    records = {s.display: r for s, r in zip(candidates, first) if isinstance(r, FileResult)}
    second = [s for s in sources if s.display in facts or _mentions(s, repo_plan.old_names())]
    progress.total = len(second) + len(records)
    for _ in records:
        progress.advance(False)
    migrated = workers.map(migrate_file, [(s, plan) for s in second],
                           lambda r: progress.advance(r.status == "changed"))
    by_display = {**records, **{s.display: r for s, r in zip(second, migrated)}}
    result = RunResult()
    for source in sources:
        outcome = by_display.get(source.display)
        if outcome is not None and (source.display in facts or source.display in records
                                    or outcome.status != "unchanged"):
            result.files.append(outcome)
    return result, plan


def _has_marker(source: SourceFile, markers: tuple[bytes, ...]) -> bool:
    """The prefilter, in this process: only files with a marker are sent to the workers."""
    try:
        data = Path(source.path).read_bytes()
    except OSError:
        return True  # the worker reports the read error as a failed record
    return has_marker(data, markers)


def _mentions(source: SourceFile, names: set[str]) -> bool:
    """A file outside the candidates still needs the rename pass if it names what is renamed."""
    if not names:
        return False
    try:
        data = Path(source.path).read_bytes()
    except OSError:
        return False
    return any(name.encode() in data for name in names)


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

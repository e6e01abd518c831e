"""A whole run over a repository: discover, then answer from the result cache or prefilter
and transform in parallel, then - for ``apply`` - check git and write atomically. Returns
results; prints nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from codemods.findings import Finding, MigrationOptions
from codemods.registry import CODEMODS
from migrate.runner.cache import Recorded, RunCache, cache_folder, cache_key
from migrate.runner.consistency import attach, find_inconsistencies
from migrate.runner.discover import discover
from migrate.runner.git import GitError, dirty_files
from migrate.runner.inputs import Plan, SourceFile
from migrate.runner.locate import LocateError, locate
from migrate.runner.modules import module_of
from migrate.runner.parallel import Workers
from migrate.runner.project import ProjectConfigError, find_project_config
from migrate.runner.quiet import Quiet
from migrate.runner.report import json_report
from migrate.runner.results import EXIT_CHANGES, EXIT_INTERNAL, EXIT_OK, RunResult, not_written
from migrate.runner.runtime_dependency import ShadowedRuntime, declare_runtime
from migrate.runner.scope import PartialWriteError, narrow, needed_outside, project_root
from migrate.runner.size import DEFAULT_MAX_FILE_SIZE
from migrate.runner.write import Planned, ReportTarget, WriteFailed, write_all

__all__ = ["RunError", "RunRequest", "exit_code", "include_patterns", "run", "watched_folder"]

_NEEDS_MIGRATION = ("marketplace-signature", "hybrid")


class RunError(Exception):
    """A problem with how the run was asked for: the message is one line per problem."""


@dataclass(frozen=True)
class RunRequest:
    paths: tuple[Path, ...]
    write: bool = False
    diff: bool = False  # the rewritten text is printed (as a diff)
    jobs: int = 0  # 0: one per core
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    target: str | None = None
    allow_dirty: bool = False
    mark_manual: bool = False
    codemods: tuple[str, ...] = CODEMODS
    progress: bool | None = None  # None: on a terminal only
    cache: bool = True  # reuse an earlier run's result when nothing it read has changed
    report: Path | None = None  # the JSON report, written with the files (one transaction)
    max_file_size: int | None = None  # None: the project's, else the default
    force_exclude: bool = False  # excludes apply to paths named on the command line too
    follow: bool = False  # also write changed files outside the paths that the paths need
    # apply: never shadow the runtime, and declare it in the project's manifest
    declare_runtime: bool = False
    # The caller reads statuses and findings, never rewritten text (scan, apply --check): a
    # file's facts from an earlier run may stand for rewriting it again.
    findings_only: bool = False


@dataclass
class Run:
    result: RunResult
    base: Path  # report and diff paths are relative to this
    warnings: list[str] = field(default_factory=list)
    cached: bool = False  # answered from the result cache
    report_written: bool = False  # the report went out with the files


def _settings(request: RunRequest, root: Path) -> tuple[MigrationOptions, tuple[bytes, ...],
                                                        RunRequest]:
    """The options, the project's extra markers, and the request with the project's
    include/exclude patterns added."""
    try:
        project = find_project_config(request.paths[0], stop=root)
    except ProjectConfigError as exc:
        raise RunError(str(exc)) from None
    options = MigrationOptions(target=request.target or "oauth", mark_manual=request.mark_manual)
    if project is None:
        return options, (), request
    request = replace(request, include=project.include + request.include,
                      exclude=project.exclude + request.exclude,
                      max_file_size=request.max_file_size or project.max_file_size)
    options = replace(options, target=request.target or project.target or "oauth",
                      renames=tuple(project.renames.items()))
    return options, tuple(m.encode() for m in project.markers), request


def run(request: RunRequest) -> Run:
    if not request.paths:
        raise RunError("no path given: name the files or folders to migrate")
    warnings: list[str] = []
    with Workers(request.jobs or os.cpu_count() or 1, warnings.append) as workers:
        return _run(request, workers, warnings)


def _run(request: RunRequest, workers: Workers, warnings: list[str]) -> Run:
    try:
        location = locate(request.paths, request.write, warnings.append)
    except LocateError as exc:
        raise RunError(str(exc)) from None
    repo = location.repository.root if location.repository else None
    root, base = location.root, location.base
    if repo is None:
        root = project_root(root)
    options, project_markers, request = _settings(request, root)
    git_dir = location.repository.git_dir if location.repository else None
    cache = _cache(request, options, project_markers, root, git_dir, repo)
    if cache is None or not cache.likely_holds(base, request.write or request.diff):
        # They load the analysis while the files are found and the cache is read.
        workers.start_early()
    found = discover(list(request.paths), root, base, request.include, request.exclude,
                     request.force_exclude)
    if found.missing:
        raise RunError("; ".join(f"{m}: no such file or folder" for m in found.missing))
    for link in found.outside_links:
        warnings.append(f"{link}: symlink leaves the tree; skipped")
    for link in found.loops:
        warnings.append(f"{link}: symlink loop (it leads back to itself); skipped")
    for leftover in found.leftovers:
        warnings.append(f"{leftover}: left by an apply that was killed (a backup or new text of "
                        "the file it names); check that file with git, then delete this one")
    # The whole repository is analysed (a rename reaches callers outside the paths); the
    # paths say which files are reported and written.
    listed = {display for _, display in found.files}
    # Walked once when the paths name the repository itself (`scan .`, the hook on the root).
    whole = all(not Path(p).is_symlink() and Path(p).resolve() == root.resolve()
                for p in request.paths)
    everything = found.files if whole else discover([root], root, base, request.include,
                                                    request.exclude).files
    packages: dict[Path, str] = {}
    sources = [SourceFile(str(path), display, *module_of(path, root, packages))
               for path, display in _union(found.files, everything)]
    result = cache.answer(sources) if cache is not None else None
    if result is not None and result.changed and (request.write or request.diff):
        result = None  # the cache holds no text to write: what is written is computed now
    cached = result is not None
    read: dict[str, bytes] = {}  # what the computation read, for the half-migration check
    if result is None:
        workers.start_early()  # the cache seemed likely to answer, and did not
        quiet = cache.quiet(sources) if cache is not None else None
        result, read = _compute(request, options, project_markers, sources, cache, workers,
                                quiet)
    try:
        if request.write or request.diff:
            listed |= needed_outside(result, sources, listed, request.follow)
        narrow(result, listed)
        result.scanned = len(listed)
        if request.declare_runtime:
            record, note = declare_runtime(result, root, base)
            result.files += [record] if record is not None else []
            warnings += [note] if note is not None else []
    except (PartialWriteError, ShadowedRuntime) as exc:
        raise RunError(str(exc)) from None
    report_written = False
    # Findings about the repository as the command leaves it: after the writes, if any.
    exact, limit = dict(options.renames), _limit(request)
    checked = None if cache is None else \
        cache.checked_files(sources, [sorted(exact.items()), limit])
    if request.write and result.changed:
        after = {r.path: None if r.deleted else r.new for r in result.changed}
        undo = attach(result, _only(listed, find_inconsistencies(sources, exact, limit, after,
                                                                 checked, read)))
        real_paths = {s.display: Path(s.path) for s in sources}
        # A manifest declaring the runtime is no source file: its path is relative to base.
        real_paths.update({r.path: base / r.path for r in result.changed
                           if r.path not in real_paths})
        report_written = _write(result, real_paths, repo, request, warnings.append)
        if not any(r.written for r in result.files):  # rolled back: the files are as they were
            undo()
            attach(result, _only(listed, find_inconsistencies(sources, exact, limit, None,
                                                              checked, read)))
    else:
        attach(result, _only(listed, find_inconsistencies(sources, exact, limit, None, checked,
                                                          read)))
    return Run(result, base, warnings, cached, report_written)


def watched_folder(paths: tuple[Path, ...]) -> Path:
    """The folder a run over ``paths`` reads files from: the repository, or outside git the
    project (a rename reaches callers outside the paths, so the whole of it is analysed)."""
    try:
        location = locate(paths, False, lambda _: None)
    except LocateError as exc:
        raise RunError(str(exc)) from None
    if location.repository is not None:
        return location.repository.root
    return project_root(location.root)


def include_patterns(request: RunRequest, root: Path) -> tuple[str, ...]:
    """The include patterns a run over ``root`` uses: the project's and the request's."""
    return _settings(request, root)[2].include


def _only(listed: set[str], found: dict[str, list[Finding]]) -> dict[str, list[Finding]]:
    return {path: findings for path, findings in found.items() if path in listed}


def _union(given: list[tuple[Path, str]],
           everything: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """The files given (an explicit file need not match the include patterns), then the rest
    of the repository."""
    seen = {path for path, _ in given}
    return [*given, *((path, display) for path, display in everything if path not in seen)]


def _cache(request: RunRequest, options: MigrationOptions, project_markers: tuple[bytes, ...],
           root: Path, git_dir: Path | None, repo: Path | None) -> RunCache | None:
    """Only the built-in codemods are cached: code from elsewhere is not fingerprinted."""
    if not request.cache or not set(request.codemods) <= set(CODEMODS):
        return None
    settings = {"target": options.target, "renames": [list(r) for r in options.renames],
                "mark_manual": options.mark_manual,
                "markers": [m.decode("latin-1") for m in project_markers],
                "max_file_size": _limit(request)}
    # The whole repository is analysed whatever the paths: one cached result serves them all.
    return RunCache(cache_folder(git_dir, root), cache_key(request.codemods, settings, ["."]), repo)


def _limit(request: RunRequest) -> int:
    return request.max_file_size or DEFAULT_MAX_FILE_SIZE


def _compute(request: RunRequest, options: MigrationOptions, project_markers: tuple[bytes, ...],
             sources: list[SourceFile], cache: RunCache | None, workers: Workers,
             quiet: Quiet | None = None) -> tuple[RunResult, dict[str, bytes]]:
    """The real work, in worker processes. Imported here so that a cached run never loads
    the analysis."""
    from codemods.registry import markers_of, signing_markers_of
    from migrate.runner.passes import two_passes
    from migrate.runner.progress import Progress

    plan = Plan(request.codemods, markers_of(request.codemods) + project_markers, options,
                signing_markers=signing_markers_of(request.codemods),
                max_file_size=_limit(request))
    progress = Progress(len(sources), "walmart-migrate", enabled=request.progress)
    findings_only = request.findings_only and not (request.write or request.diff)
    facts = cache.facts(findings_only) if cache is not None else None
    outcome = two_passes(sources, plan, workers, progress, facts, quiet)
    progress.close(len(outcome.result.changed))
    result = outcome.result
    if outcome.plan.repo is not None and result.changed:
        result.kept_names = dict(outcome.plan.repo.renames.kept)
    for file_result in result.files:
        result.environment.update(file_result.environment)
    # A run about to rewrite files would store a result those very writes make stale.
    if cache is not None and not (request.write and result.changed):
        modules = {s.display: s.module for s in sources}
        recorded = Recorded({d: modules[d] for d in outcome.read},
                            plan.all_markers, outcome.names, outcome.settings, outcome.reach,
                            outcome.asked)
        cache.store(result, recorded, sources)
    return result, outcome.contents


def _write(result: RunResult, real_paths: dict[str, Path], repo: Path | None, request: RunRequest,
           say: Callable[[str], None]) -> bool:
    """Write the changed files and the report as one transaction; whether the report was
    written with them."""
    targets = [real_paths[r.path] for r in result.changed]
    if repo is None:
        say("not in a git repository: there is no safety net - files are rewritten with no "
            "way back but your backups; commit them to git first if you can")
    elif not request.allow_dirty:
        try:
            dirty = dirty_files(repo, targets)
        except GitError as exc:
            raise RunError(f"{exc}; pass --allow-dirty to skip the check") from None
        if dirty:
            names = sorted(str(p.relative_to(repo)) for p in dirty)
            raise RunError("refusing to rewrite files with uncommitted changes: "
                           f"{', '.join(names)}; commit or stash them, or pass --allow-dirty")
    planned = []
    for file_result in result.changed:
        assert file_result.original is not None and file_result.new is not None
        planned.append(Planned(real_paths[file_result.path], file_result.path,
                               file_result.original,
                               None if file_result.deleted else file_result.new))
    report = None
    if request.report is not None:
        report = ReportTarget(request.report, json_report(result).encode("utf-8"))
    try:
        write_all(planned, report)
    except WriteFailed as exc:
        if exc.report_problem is not None:
            raise RunError(f"cannot write the report to {request.report}: {exc.report_problem}; "
                           f"{_nothing_written(exc.not_restored)}") from None
        not_written(result, exc.problems)
        say(f"{_nothing_written(exc.not_restored)}: apply writes all files or none")
        return False
    for file_result in result.changed:
        file_result.written = True
    return report is not None


def _nothing_written(not_restored: list[str]) -> str:
    if not not_restored:
        return "nothing was written"
    return (f"these files are rewritten and could not be put back: {', '.join(not_restored)} "
            "(each original is kept beside it as .NAME.*.backup.walmart-migrate)")


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

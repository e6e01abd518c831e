"""The two passes over a repository's candidates, in worker processes: first every candidate
is analysed, then the repository plan is made, then every file the plan touches is rewritten
with it. Also says which files the outcome depended on, for the result cache."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from codemods.flow.facts import FileFacts
from codemods.flow.plan import plan_repository
from migrate.runner.inputs import Plan, SourceFile, has_marker, mentions
from migrate.runner.parallel import Workers
from migrate.runner.progress import Progress
from migrate.runner.results import FileResult, RunResult
from migrate.runner.transform import analyze_file, migrate_file

__all__ = ["Outcome", "two_passes"]


@dataclass
class Outcome:
    result: RunResult
    plan: Plan
    read: set[str] = field(default_factory=set)  # display paths whose content was used
    names: frozenset[str] = frozenset()  # a file naming one of these joins the second pass
    settings: frozenset[str] = frozenset()  # modules read as settings when they exist


def two_passes(sources: list[SourceFile], plan: Plan, workers: Workers,
               progress: Progress) -> Outcome:
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
    names = frozenset(repo_plan.old_names())
    second = [s for s in sources if s.display in facts or _mentions(s, names)]
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
    read = {s.display for s in candidates} | {s.display for s in wanted} | {s.display for s in second}
    return Outcome(result, plan, read, names, frozenset(settings))


def _has_marker(source: SourceFile, markers: tuple[bytes, ...]) -> bool:
    """The prefilter, in this process: only files with a marker are sent to the workers."""
    try:
        data = Path(source.path).read_bytes()
    except OSError:
        return True  # the worker reports the read error as a failed record
    return has_marker(data, markers)


def _mentions(source: SourceFile, names: frozenset[str]) -> bool:
    """A file outside the candidates still needs the rename pass if it names what is renamed."""
    if not names:
        return False
    try:
        data = Path(source.path).read_bytes()
    except OSError:
        return False
    return mentions(data, names)

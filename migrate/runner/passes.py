"""The two passes over a repository, in worker processes: first the files that matter are
analysed and the repository plan is made, then every file the plan touches is rewritten with
it. Also says which files the outcome depended on, for the result cache.

Which files matter, widening from the Walmart files (those with a header name or the jar):
- signing code they call into (``migrate.runner.signing_code``): a file with RSA or HMAC
  signing calls, when it and a Walmart file import one another;
- files that import what the rewrite may delete (a signing helper, a header constant), or
  call a method it may delete, so that nothing still used is removed;
- the settings modules credentials are read from;
- and, for the second pass only, files that name what is renamed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from codemods.flow.plan import RepoPlan, plan_repository
from migrate.runner.analysis import Analysis
from migrate.runner.facts import FactsCache, digest
from migrate.runner.inputs import Plan, Reach, SourceFile, last_names, raw
from migrate.runner.parallel import Workers
from migrate.runner.progress import Progress
from migrate.runner.quiet import Asked, Quiet
from migrate.runner.results import FileResult, RunResult
from migrate.runner.signing_code import join_signing_code
from migrate.runner.tasks import forget, migrate_file
from migrate.runner.whole_units import delete_emptied, hold_back, is_empty
from migrate.runner.words import words

__all__ = ["Outcome", "two_passes"]


@dataclass
class Outcome:
    result: RunResult
    plan: Plan
    read: set[str] = field(default_factory=set)  # display paths whose content was used
    names: frozenset[str] = frozenset()  # a file naming one of these joins the second pass
    settings: frozenset[str] = frozenset()  # modules read as settings when they exist
    reach: Reach = field(default_factory=Reach)  # a file it touches would have been read
    asked: Asked = field(default_factory=Asked)  # of every file not read
    contents: dict[str, bytes] = field(default_factory=dict)  # the bytes read, by display path


def two_passes(sources: list[SourceFile], plan: Plan, workers: Workers, progress: Progress,
               facts: FactsCache | None = None, quiet: Quiet | None = None) -> Outcome:
    """``facts``: per-file facts of earlier runs, by content (see ``migrate.runner.facts``);
    ``quiet``: files an earlier run did not read, unchanged since (``migrate.runner.quiet``)."""
    try:
        return _two_passes(sources, plan, workers, progress, facts, quiet)
    finally:
        forget()  # the trees kept here for the second pass
        if facts is not None:
            facts.prune()


def _two_passes(sources: list[SourceFile], plan: Plan, workers: Workers, progress: Progress,
                facts: FactsCache | None, quiet: Quiet | None) -> Outcome:
    contents: dict[str, bytes] = {}
    walmart, signing = _prefilter(sources, plan, contents, quiet or Quiet())
    analysis = Analysis(sources, plan, workers, contents, facts, quiet)
    # A file with a marker is never quiet, whether or not the run goes on to read it (a
    # signing module no Walmart code uses).
    analysis.answered.update(s.display for s in (*walmart, *signing))
    data = analysis.data
    by_display = {s.display: s for s in sources}
    # While workers analyse the Walmart files, which files name their modules - the
    # importers asked for below - is worked out here.
    analysis.add(walmart, meanwhile=lambda: analysis.look_for(
        raw(name) for name in last_names(s.module for s in walmart)))
    join_signing_code(analysis, signing, by_display)
    # Files importing what the rewrite may delete. Deciding from the plan would take a plan
    # first; every Walmart module's importers are few, and reading them is cheap.
    reach = Reach(analysis.modules(analysis.facts))
    if reach:
        analysis.add(analysis.unread(reach=reach), True, report=False)
    # What the Walmart files import - settings, config loaders, base classes, mixins, signing
    # helpers - needs no marker to be read: values flow through it.
    settings: set[str] = set()
    for _ in range(4):
        settings = analysis.imported()
        wanted = [s for s in sources if s.module in settings and s.display not in analysis.read]
        if not wanted:
            break
        analysis.add(wanted, True, report=False)
    repo_plan = _plan(analysis, plan)
    methods = frozenset(q.rpartition(".")[2] for q in repo_plan.dead_helpers
                        if analysis.public_method(q))
    if methods:  # a method called on an instance another file was handed
        callers = Reach(methods=methods)
        if analysis.add(analysis.unread(reach=callers), True, report=False):
            repo_plan = _plan(analysis, plan)
    for _ in range(3):  # callers of what is renamed pass the credentials in: follow them
        renamed = frozenset(repo_plan.old_names() | repo_plan.wanted)
        passing = analysis.unread(names=renamed) if renamed else []
        if not (passing and analysis.add(passing, True, report=False)):
            break
        repo_plan = _plan(analysis, plan)
    reach = replace(reach, methods=methods)
    plan = replace(plan, repo=repo_plan)
    names = frozenset(repo_plan.old_names())
    # A file read only for what flows through it, where the plan changes nothing, is not
    # rewritten: it would come out as it went in.
    naming = analysis.naming(names)
    second = [s for s in sources if s.display in analysis.reported or
              (s.display in analysis.facts and repo_plan.has_work_in(s.module)) or
              naming(s)]
    records = {d: r for d, r in analysis.records.items() if d not in analysis.facts}
    progress.finished(len(sources) - len(second))
    migrated = _second_pass(second, plan, analysis, progress)
    delete_emptied(sources, second, migrated, analysis.names_module,
                   lambda module: analysis.asked.ask(emptied=module))
    hold_back(second, migrated, repo_plan, plan.max_file_size, data)
    outcomes = {**records, **{s.display: r for s, r in zip(second, migrated)}}
    result = RunResult()
    for source in sources:
        outcome = outcomes.get(source.display)
        if outcome is not None and (source.display in analysis.reported or
                                    source.display in records or outcome.status != "unchanged"
                                    or outcome.findings):
            result.files.append(outcome)
    read = analysis.read | {s.display for s in second} | analysis.answered
    return Outcome(result, plan, read, names | frozenset(repo_plan.wanted), frozenset(settings),
                   reach, analysis.asked, analysis.contents)


def _second_pass(second: list[SourceFile], plan: Plan, analysis: Analysis,
                 progress: Progress) -> list[FileResult]:
    """Every file rewritten with its part of the plan; a file an earlier run rewrote, with
    the same bytes under the same part, answered from its facts - but for the text
    ``_emptied`` reads: a module left empty, and rewritten files whose words name such a
    module."""
    facts = analysis.earlier
    parts = _parts(second, plan)
    keys = _keys(parts, plan) if facts is not None and facts.results else {}
    answered: dict[str, tuple[FileResult, bool, frozenset[str]]] = {}
    for source in second:
        key = keys.get(source.module)
        content = analysis.content(source) if key else ""
        hit = facts.result(source, content, plan.max_file_size, key) \
            if facts is not None and key and content else None
        if hit is not None:
            answered[source.display] = hit
            progress.advance(hit[0].status == "changed")
    done = _migrate([s for s in second if s.display not in answered], parts, analysis, progress)
    for source in done:
        result, key = done[source], keys.get(source.module)
        content = analysis.content(source) if key else ""
        if facts is not None and key and content:
            facts.keep_result(source, content, plan.max_file_size, key, result,
                              result.status == "changed" and is_empty(result.new or b""))
    emptied = {s.module.rpartition(".")[2] for s in second
               if (s.display in answered and answered[s.display][1]) or
               (s in done and done[s].status == "changed" and is_empty(done[s].new or b""))}
    if emptied:
        plain = all(n.isascii() and n.isidentifier() for n in emptied)
        again = [s for s in second if s.display in answered and
                 answered[s.display][0].status == "changed" and
                 (answered[s.display][1] or not plain or emptied & answered[s.display][2])]
        done.update(_migrate(again, parts, analysis, None))  # counted once already
    return [done[s] if s in done else answered[s.display][0] for s in second]


def _parts(files: list[SourceFile], plan: Plan) -> dict[str, Plan]:
    """Each module's part of the plan (``RepoPlan.for_module``): what its file is rewritten
    with, and what its cached outcome is kept under."""
    repo = plan.repo
    return {s.module: plan if repo is None else replace(plan, repo=repo.for_module(s.module))
            for s in files}


def _keys(parts: dict[str, Plan], plan: Plan) -> dict[str, str | None]:
    """Each part's cache key: the digest of what every part shares (renames and helpers can
    be large), taken once, with the digest of the module's own part."""
    repo = plan.repo
    if repo is None:
        whole = digest(plan)
        return {module: whole for module in parts}
    shared = digest(replace(plan, repo=repo.for_module("")))  # no module has the name ""
    keys: dict[str, str | None] = {}
    for module in parts:
        own = digest(repo.own_part(module))
        keys[module] = None if shared is None or own is None else \
            hashlib.sha256(f"{shared} {own}".encode()).hexdigest()
    return keys


def _migrate(files: list[SourceFile], parts: dict[str, Plan], analysis: Analysis,
             progress: Progress | None) -> dict[SourceFile, FileResult]:
    results = analysis.workers.map(
        migrate_file, [(s, parts[s.module], analysis.contents.get(s.display)) for s in files],
        lambda r: progress.advance(r.status == "changed") if progress is not None else None,
        [(s.display, len(analysis.data(s))) for s in files])
    return dict(zip(files, results))


def _prefilter(sources: list[SourceFile], plan: Plan, contents: dict[str, bytes], quiet: Quiet
               ) -> tuple[list[SourceFile], list[SourceFile]]:
    """The one read of every file (kept in ``contents``): the Walmart files, and those with
    only signing calls. A quiet file is known to hold no marker, unread."""
    walmart: list[SourceFile] = []
    signing: list[SourceFile] = []
    markers = words(plan.all_markers)
    legacy = frozenset(plan.markers)
    for source in sources:
        if quiet.knows(source.display, markers=plan.all_markers):
            continue
        try:
            data = contents[source.display] = Path(source.path).read_bytes()
        except OSError:
            walmart.append(source)  # the worker reports why it cannot be read
            continue
        found = markers.found_in(data)
        if found & legacy:
            walmart.append(source)
        elif found:
            signing.append(source)
    return walmart, signing


def _plan(analysis: Analysis, plan: Plan) -> RepoPlan:
    """The repository plan; an earlier run's, when it was made from the same summaries (a
    file edited where no value flows - a comment, a log line - leaves its summary as it was)."""
    key = _plan_key(analysis, plan)
    kept = analysis.earlier.plan(key) if analysis.earlier is not None and key else None
    if kept is not None:
        return kept
    made = plan_repository(list(analysis.facts.values()), plan.options.target,
                           dict(plan.options.renames))
    if analysis.earlier is not None and key:
        analysis.earlier.keep_plan(key, made)
    return made


def _plan_key(analysis: Analysis, plan: Plan) -> str | None:
    digests = [analysis.digests.get(display) for display in analysis.facts]
    if not all(digests):
        return None
    options = [plan.options.target, sorted(plan.options.renames)]
    return hashlib.sha256(json.dumps([options, digests]).encode()).hexdigest()



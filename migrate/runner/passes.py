"""The two passes over a repository, in worker processes: first the files that matter are
analysed and the repository plan is made, then every file the plan touches is rewritten with
it. Also says which files the outcome depended on, for the result cache.

Which files matter, widening from the Walmart files (those with a header name or the jar):
- signing code they call into: a file with RSA or HMAC signing calls, when it and a Walmart
  file import one another - not every webhook ``hmac.new`` of the repository;
- files that import what the rewrite may delete (a signing helper, a header constant), or
  call a method it may delete, so that nothing still used is removed;
- the settings modules credentials are read from;
- and, for the second pass only, files that name what is renamed."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Union

from codemods.flow.plan import RepoPlan, plan_repository
from codemods.flow.summary import FileSummary
from migrate.runner.contents import content_id
from migrate.runner.facts import FactsCache, digest
from migrate.runner.inputs import Plan, Reach, SourceFile, has_marker, last_names, mentions
from migrate.runner.modules import imported_from
from migrate.runner.parallel import Workers
from migrate.runner.progress import Progress
from migrate.runner.results import FileResult, RunResult
from migrate.runner.transform import analyze_file, forget, migrate_file

__all__ = ["Outcome", "two_passes"]

# ``import uuid`` is the standard library's, even beside a uuid.py of the repository (a vendored
# copy, a test fixture): not followed as the repository's own code.
_STANDARD = frozenset(getattr(sys, "stdlib_module_names", ()))


def _standard(qualified: str) -> bool:
    """Whether an import names the standard library: ``uuid``, ``os.path``, ``uuid.uuid4`` -
    but not ``secrets.read_private_key``, which only a repository's own secrets.py defines."""
    top, _, rest = qualified.partition(".")
    if top not in _STANDARD:
        return False
    return not rest or rest.partition(".")[0] in _standard_names(top)


@cache
def _standard_names(module: str) -> frozenset[str]:
    """Top-level names of a standard module, read from its source (never imported); every
    name when it has no source to read (a built-in module)."""
    import ast
    import importlib.util

    try:
        spec = importlib.util.find_spec(module)
        origin = spec.origin if spec is not None else None
        if not origin or not origin.endswith(".py"):
            raise LookupError(module)
        tree = ast.parse(Path(origin).read_bytes())
    except (ImportError, LookupError, OSError, SyntaxError, ValueError):
        return _EVERY_NAME
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).partition(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    if spec is not None and spec.submodule_search_locations:  # a package: its submodules too
        for location in spec.submodule_search_locations:
            names.update(p.stem for p in Path(location).iterdir())
    return frozenset(names)


class _EveryName(frozenset):  # type: ignore[type-arg]
    def __contains__(self, name: object) -> bool:
        return True


_EVERY_NAME = _EveryName()

Analysed = Union[FileSummary, FileResult, None]


@dataclass
class Outcome:
    result: RunResult
    plan: Plan
    read: set[str] = field(default_factory=set)  # display paths whose content was used
    names: frozenset[str] = frozenset()  # a file naming one of these joins the second pass
    settings: frozenset[str] = frozenset()  # modules read as settings when they exist
    reach: Reach = field(default_factory=Reach)  # a file it touches would have been read


class _Analysis:
    """The first pass, widened step by step; every file analysed at most once."""

    def __init__(self, sources: list[SourceFile], plan: Plan, workers: Workers,
                 contents: dict[str, bytes], facts: FactsCache | None) -> None:
        self.sources = sources
        self.plan = plan
        self.workers = workers
        self.contents = contents  # every file's bytes, read once by the prefilter
        self.earlier = facts  # per-file facts of earlier runs
        self.ids: dict[str, str] = {}
        self.facts: dict[str, FileSummary] = {}
        self.digests: dict[str, str] = {}  # display path -> its summary's digest
        self.records: dict[str, FileResult] = {}  # candidates that cannot be read as Python 3
        self.read: set[str] = set()
        self.reported: set[str] = set()  # analysed for what they hold, not for a dependency
        self.import_targets: dict[str, frozenset[str]] = {}  # display path -> modules imported

    def add(self, wanted: list[SourceFile], *extra: object, report: bool = True) -> list[str]:
        """Analyse these files; the display paths that gave facts."""
        force = bool(extra and extra[0])
        known = self._known_summaries(wanted, force)
        todo = [s for s in wanted if s.display not in known]
        outcomes: list[Analysed] = self.workers.map(
            analyze_file, [(s, self.plan, force, self.contents.get(s.display)) for s in todo],
            lambda _: None, [(s.display, len(self.data(s))) for s in todo])
        for source, outcome in zip(todo, outcomes):
            known[source.display] = outcome
            content = self.content(source)
            if self.earlier is not None and content and isinstance(outcome, FileSummary):
                kept = self.earlier.keep_summary(source, content, self.plan.max_file_size,
                                                 outcome)
                if kept is not None:
                    self.digests[source.display] = kept
        added = []
        for source in wanted:
            outcome = known[source.display]
            self.read.add(source.display)
            if isinstance(outcome, FileSummary):
                self.facts[source.display] = outcome
                added.append(source.display)
                if report:
                    self.reported.add(source.display)
            elif isinstance(outcome, FileResult) and report:
                self.records[source.display] = outcome
        return added

    def data(self, source: SourceFile) -> bytes:
        return self.contents.get(source.display, b"")  # unreadable: nothing ties it to the run

    def content(self, source: SourceFile) -> str:
        """The file's content id; "" when it could not be read."""
        if source.display not in self.contents:
            return ""
        found = self.ids.get(source.display)
        if found is None:
            found = self.ids[source.display] = content_id(self.contents[source.display])
        return found

    def _known_summaries(self, wanted: list[SourceFile], force: bool) -> dict[str, Analysed]:
        """What an earlier run's analysis of the same bytes says, as ``analyze_file`` would."""
        known: dict[str, Analysed] = {}
        if self.earlier is None:
            return known
        for source in wanted:
            content = self.content(source)
            found = self.earlier.summary(source, content, self.plan.max_file_size) \
                if content else None
            if found is not None:
                marked = force or has_marker(self.data(source), self.plan.all_markers)
                known[source.display] = found[0] if marked else None
                self.digests[source.display] = found[1]
        return known

    def unread(self, test: Callable[[SourceFile, bytes], bool]) -> list[SourceFile]:
        return [s for s in self.sources if s.display not in self.read and test(s, self.data(s))]

    def public_method(self, qualname: str) -> bool:
        owner, _, name = qualname.rpartition(".")
        return not name.startswith("_") and any(owner in f.classes for f in self.facts.values())

    def imported(self) -> set[str]:
        """Modules the analysed files import from (and their packages), but for the
        standard library's."""
        found: set[str] = set()
        for facts in self.facts.values():
            for qualified in facts.imports.values():
                if _standard(qualified):
                    continue
                parts = qualified.split(".")
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        return found

    def modules(self, displays: Iterable[str]) -> frozenset[str]:
        return last_names(self.facts[d].module for d in displays if d in self.facts)


def two_passes(sources: list[SourceFile], plan: Plan, workers: Workers, progress: Progress,
               facts: FactsCache | None = None) -> Outcome:
    """``facts``: per-file facts of earlier runs, by content (see ``migrate.runner.facts``)."""
    try:
        return _two_passes(sources, plan, workers, progress, facts)
    finally:
        forget()  # the trees kept here for the second pass
        if facts is not None:
            facts.prune()


def _two_passes(sources: list[SourceFile], plan: Plan, workers: Workers, progress: Progress,
                facts: FactsCache | None) -> Outcome:
    contents: dict[str, bytes] = {}
    walmart, signing = _prefilter(sources, plan, contents)
    analysis = _Analysis(sources, plan, workers, contents, facts)
    data = analysis.data
    by_display = {s.display: s for s in sources}
    analysis.add(walmart)
    _signing_code(analysis, signing, by_display)
    # Files importing what the rewrite may delete. Deciding from the plan would take a plan
    # first; every Walmart module's importers are few, and reading them is cheap.
    reach = Reach(analysis.modules(analysis.facts))
    if reach:
        analysis.add(analysis.unread(lambda _, data: reach.touches(data)), True, report=False)
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
        if analysis.add(analysis.unread(lambda _, data: callers.touches(data)), True,
                        report=False):
            repo_plan = _plan(analysis, plan)
    for _ in range(3):  # callers of what is renamed pass the credentials in: follow them
        renamed = frozenset(repo_plan.old_names() | repo_plan.wanted)
        passing = [s for s in sources if s.display not in analysis.read and
                   renamed and mentions(data(s), renamed)]
        if not (passing and analysis.add(passing, True, report=False)):
            break
        repo_plan = _plan(analysis, plan)
    reach = replace(reach, methods=methods)
    plan = replace(plan, repo=repo_plan)
    names = frozenset(repo_plan.old_names())
    # A file read only for what flows through it, where the plan changes nothing, is not
    # rewritten: it would come out as it went in.
    second = [s for s in sources if s.display in analysis.reported or
              (s.display in analysis.facts and repo_plan.has_work_in(s.module)) or
              (names and mentions(data(s), names))]
    records = {d: r for d, r in analysis.records.items() if d not in analysis.facts}
    progress.finished(len(sources) - len(second))
    migrated = _second_pass(second, plan, analysis, progress)
    _emptied(sources, second, migrated, data)
    _hold_back(second, migrated, repo_plan, plan.max_file_size, data)
    outcomes = {**records, **{s.display: r for s, r in zip(second, migrated)}}
    result = RunResult()
    for source in sources:
        outcome = outcomes.get(source.display)
        if outcome is not None and (source.display in analysis.reported or
                                    source.display in records or outcome.status != "unchanged"
                                    or outcome.findings):
            result.files.append(outcome)
    read = analysis.read | {s.display for s in second}
    return Outcome(result, plan, read, names | frozenset(repo_plan.wanted), frozenset(settings), reach)


def _second_pass(second: list[SourceFile], plan: Plan, analysis: _Analysis,
                 progress: Progress) -> list[FileResult]:
    """Every file rewritten with the plan; a file an earlier run rewrote, with the same bytes
    under the same plan, answered from its facts - but for the text ``_emptied`` reads: a
    module left empty, and rewritten files whose words name such a module."""
    facts = analysis.earlier
    key = digest(plan) if facts is not None and facts.results else None
    answered: dict[str, tuple[FileResult, bool, frozenset[str]]] = {}
    if facts is not None and key is not None:
        for source in second:
            content = analysis.content(source)
            hit = facts.result(source, content, plan.max_file_size, key) if content else None
            if hit is not None:
                answered[source.display] = hit
                progress.advance(hit[0].status == "changed")
    done = _migrate([s for s in second if s.display not in answered], plan, analysis, progress)
    if facts is not None and key is not None:
        for source in done:
            result, content = done[source], analysis.content(source)
            if content:
                facts.keep_result(source, content, plan.max_file_size, key, result,
                                  result.status == "changed" and _empty(result.new or b""))
    emptied = {s.module.rpartition(".")[2] for s in second
               if (s.display in answered and answered[s.display][1]) or
               (s in done and done[s].status == "changed" and _empty(done[s].new or b""))}
    if emptied:
        plain = all(n.isascii() and n.isidentifier() for n in emptied)
        again = [s for s in second if s.display in answered and
                 answered[s.display][0].status == "changed" and
                 (answered[s.display][1] or not plain or emptied & answered[s.display][2])]
        done.update(_migrate(again, plan, analysis, None))  # counted once already
    return [done[s] if s in done else answered[s.display][0] for s in second]


def _migrate(files: list[SourceFile], plan: Plan, analysis: _Analysis,
             progress: Progress | None) -> dict[SourceFile, FileResult]:
    results = analysis.workers.map(
        migrate_file, [(s, plan, analysis.contents.get(s.display)) for s in files],
        lambda r: progress.advance(r.status == "changed") if progress is not None else None,
        [(s.display, len(analysis.data(s))) for s in files])
    return dict(zip(files, results))


def _emptied(sources: list[SourceFile], second: list[SourceFile], migrated: list[FileResult],
             data_of: Callable[[SourceFile], bytes]) -> None:
    """A module the rewrite left with nothing but its docstring, that no file imports any
    more (the rewritten ones as they will be), is deleted rather than left empty. A rewritten
    file answered from earlier facts comes without its text: ``_second_pass`` rewrote again
    every such file whose words name an emptied module, so the rest cannot import it."""
    final = {s.display: r.new for s, r in zip(second, migrated) if r.status == "changed"}
    textless = {d for d, new in final.items() if new is None}
    for source, result in zip(second, migrated):
        if result.status != "changed" or source.is_package or result.new is None or \
                not _empty(result.new):
            continue
        name = source.module.rpartition(".")[2]
        importers = Reach(frozenset({name}))
        # Named where no import statement shows it: importlib, mock.patch, a plugin list.
        dotted = rb"[./]".join(re.escape(p.encode("utf-8", "surrogateescape"))
                               for p in source.module.split("."))
        word = re.compile(rb"\b%s\b" % dotted if "." in source.module
                          else rb"[\"']%s[\"'.]" % dotted)
        if any(s.display != source.display and
               (importers.touches(data) or word.search(data) is not None)
               for s in sources if s.display not in textless
               for data in [final.get(s.display) or data_of(s)]):
            continue
        result.deleted = True
        result.reason = "nothing is left in it and nothing imports it: removed"


def _hold_back(second: list[SourceFile], migrated: list[FileResult], plan: RepoPlan,
               limit: int, data: Callable[[SourceFile], bytes]) -> None:
    """One plan spans files (a helper deleted here, its caller rewritten there, a renamed
    setting read elsewhere): when a file of it cannot be rewritten - it failed, or it is too
    large to parse - writing the others would leave the repository half migrated. None is
    written; each says which file stopped it."""
    names = frozenset(plan.old_names())
    planned = plan.modules_to_edit() | {m for m in (s.module for s in second)
                                        if any(d.startswith(m + ".") for d in plan.dead_helpers)}
    failed = [s.display for s, r in zip(second, migrated)
              if (r.status == "failed" or (r.status == "skipped" and _size(s) > limit)) and
              (s.module in planned or (names and mentions(data(s), names)))]
    if not failed:
        return
    for result in migrated:
        if result.status != "changed":
            continue
        result.status = "skipped"
        result.reason = (f"held back: {failed[0]} could not be rewritten, and this file is "
                         "migrated together with it; fix or exclude that file and run again")
        result.new = None
        result.deleted = False
        result.environment = {}
        result.findings = [replace(f, action="manual", message=f"{f.message} (held back)")
                           if f.action == "rewritten" else f for f in result.findings]


def _empty(data: bytes) -> bool:
    """Only a docstring, ``from __future__`` imports, comments and blank lines."""
    import ast

    try:
        body = ast.parse(data).body
    except (SyntaxError, ValueError):
        return False
    return all((isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and
                isinstance(s.value.value, str)) or
               (isinstance(s, ast.ImportFrom) and s.module == "__future__") for s in body)


def _prefilter(sources: list[SourceFile], plan: Plan, contents: dict[str, bytes]
               ) -> tuple[list[SourceFile], list[SourceFile]]:
    """The one read of every file (kept in ``contents``): the Walmart files, and those with
    only signing calls."""
    walmart: list[SourceFile] = []
    signing: list[SourceFile] = []
    for source in sources:
        try:
            data = contents[source.display] = Path(source.path).read_bytes()
        except OSError:
            walmart.append(source)  # the worker reports why it cannot be read
            continue
        if has_marker(data, plan.markers):
            walmart.append(source)
        elif has_marker(data, plan.signing_markers):
            signing.append(source)
    return walmart, signing


def _signing_code(analysis: _Analysis, signing: list[SourceFile],
                  by_display: dict[str, SourceFile]) -> None:
    """Files with only signing calls, joined while they and the files analysed so far import
    one another (a helper module, the helper it calls, a site using a constants module)."""
    frontier = list(analysis.facts)
    while signing and frontier:
        names = last_names(s.module for s in signing)
        imported = {n for d in frontier for n in _imports_of(analysis.data(by_display[d]), names)}
        importers = Reach(analysis.modules(frontier))
        wanted = [s for s in signing
                  if s.module.rpartition(".")[2] in imported or importers.touches(analysis.data(s))]
        frontier = analysis.add(wanted)
        signing = [s for s in signing if s.display not in analysis.read]
    linked = [s for s in signing if _leads_to(s, analysis, by_display)]
    signing = [s for s in signing if s not in linked]
    clients: list[SourceFile] = []
    # A client that imports both the signer and the header names (by way of a constants
    # module) ties them together without either naming the other.
    if signing:
        importers = Reach(last_names(s.module for s in signing))
        by_module = {s.module: s for s in signing}
        for source in analysis.unread(lambda _, data: importers.touches(data)):
            uses = [by_module[m] for m in _import_targets(source, analysis)
                    if m in by_module]
            if uses and _leads_to(source, analysis, by_display):
                clients.append(source)
                linked += uses
    analysis.add(list(dict.fromkeys(linked)))
    analysis.add(clients, True)  # no marker of its own: read all the same


def _leads_to(source: SourceFile, analysis: _Analysis, by_display: dict[str, SourceFile],
              depth: int = 4) -> bool:
    """Whether the signing file imports, through modules with no marker (a names module, a
    constants module), one the run analyses: its header names or helpers come from there."""
    analysed = {f.module for f in analysis.facts.values()}
    by_module = {s.module: s for s in by_display.values()}
    seen = {source.module}
    layer = [source]
    for _ in range(depth):
        following = []
        for current in layer:
            for module in _import_targets(current, analysis):
                if module in analysed:
                    return True
                if module in by_module and module not in seen and not _standard(module):
                    seen.add(module)
                    following.append(by_module[module])
        layer = following
    return False


def _import_targets(source: SourceFile, analysis: _Analysis) -> frozenset[str]:
    """The modules a file's import statements name (``from a import b`` names both ``a``
    and ``a.b``), at any indentation; only those lines are parsed."""
    cache = analysis.import_targets
    found = cache.get(source.display)
    if found is not None:
        return found
    import ast

    names: set[str] = set()
    for statement in _import_statements(analysis.data(source)):
        try:
            nodes = ast.parse(statement).body
        except (SyntaxError, ValueError):
            continue
        for node in nodes:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = imported_from(node, source.module, source.is_package)
                names.add(module)
                names.update(f"{module}.{alias.name}" for alias in node.names)
    cache[source.display] = found = frozenset(names)
    return found


_IMPORT_LINE = re.compile(rb"^[ \t]*(?:import|from)[ \t]", re.MULTILINE)


def _import_statements(data: bytes) -> list[str]:
    """Each import statement's text, dedented (continued over parentheses or backslashes)."""
    statements = []
    for match in _IMPORT_LINE.finditer(data):
        end = data.find(b"\n", match.start())
        end = len(data) if end < 0 else end
        text = data[match.start():end]
        while (text.count(b"(") > text.count(b")") or text.rstrip().endswith(b"\\")) and \
                end < len(data):
            following = data.find(b"\n", end + 1)
            following = len(data) if following < 0 else following
            text, end = data[match.start():following], following
        statements.append(text.decode("utf-8", "replace").strip())
    return statements


def _imports_of(data: bytes, names: frozenset[str]) -> set[str]:
    """Which of these module names the file's import statements spell out."""
    return {n for n in names if n.encode("utf-8", "surrogateescape") in data and
            Reach(frozenset({n})).touches(data)}


def _plan(analysis: _Analysis, plan: Plan) -> RepoPlan:
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


def _plan_key(analysis: _Analysis, plan: Plan) -> str | None:
    digests = [analysis.digests.get(display) for display in analysis.facts]
    if not all(digests):
        return None
    options = [plan.options.target, sorted(plan.options.renames)]
    return hashlib.sha256(json.dumps([options, digests]).encode()).hexdigest()


def _size(source: SourceFile) -> int:
    try:
        return Path(source.path).stat().st_size
    except OSError:
        return 0


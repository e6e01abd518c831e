"""The first pass over a repository: the files that matter analysed, each at most once, in
worker processes, with each file's summary taken from the per-file facts when an earlier run
analysed the same bytes; and which imports are the standard library's, never followed."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable
from functools import cache, partial
from pathlib import Path
from typing import Union

from codemods.flow.summary import FileSummary
from migrate.runner.contents import content_id
from migrate.runner.facts import FactsCache, KeptSummary
from migrate.runner.inputs import Plan, Reach, SourceFile, has_marker, last_names
from migrate.runner.parallel import Workers
from migrate.runner.quiet import Asked, Quiet
from migrate.runner.results import FileResult
from migrate.runner.summaries import Summaries
from migrate.runner.tasks import analyze_file
from migrate.runner.words import words

__all__ = ["Analysed", "Analysis", "standard"]

# ``import uuid`` is the standard library's, even beside a uuid.py of the repository (a vendored
# copy, a test fixture): not followed as the repository's own code.
_STANDARD = frozenset(getattr(sys, "stdlib_module_names", ()))


def standard(qualified: str) -> bool:
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

Analysed = Union[FileSummary, KeptSummary, FileResult, None]


class Analysis:
    """The first pass, widened step by step; every file analysed at most once."""

    def __init__(self, sources: list[SourceFile], plan: Plan, workers: Workers,
                 contents: dict[str, bytes], facts: FactsCache | None,
                 quiet: Quiet | None = None) -> None:
        self.sources = sources
        self.plan = plan
        self.workers = workers
        # Every file's bytes, read once by the prefilter - but for the quiet files, read
        # only when a question their earlier run did not ask is put to them.
        self.contents = contents
        self.quiet = quiet or Quiet()
        self.asked = Asked(set(plan.all_markers))  # of every file not read, for the next run
        self.earlier = facts  # per-file facts of earlier runs
        self.ids: dict[str, str] = {}
        self.facts = Summaries()
        self.digests: dict[str, str] = {}  # display path -> its summary's digest
        self.records: dict[str, FileResult] = {}  # candidates that cannot be read as Python 3
        self.read: set[str] = set()
        # Files that answered yes to a question put to the unread ones, or whose bytes the
        # analysis used otherwise (an import chain followed), read or not: the outcome
        # depends on them, so they are inputs of the run and never quiet.
        self.answered: set[str] = set()
        self.reported: set[str] = set()  # analysed for what they hold, not for a dependency
        self.import_targets: dict[str, frozenset[str]] = {}  # display path -> modules imported
        # word -> display path -> whether the file holds it: the questions put to every file
        # repeat words (the renamed names, asked again each time callers join).
        self.holding: dict[bytes, dict[str, bool]] = {}

    def add(self, wanted: list[SourceFile], *extra: object, report: bool = True,
            meanwhile: Callable[[], None] | None = None) -> list[str]:
        """Analyse these files; the display paths that gave facts. ``meanwhile``: this
        process's own work while worker processes analyse them."""
        force = bool(extra and extra[0])
        for source in wanted:
            self.data(source)  # a quiet file is read now
        known = self._known_summaries(wanted, force)
        todo = [s for s in wanted if s.display not in known]
        outcomes: list[Analysed] = self.workers.map(
            analyze_file, [(s, self.plan, force, self.contents.get(s.display)) for s in todo],
            lambda _: None, [(s.display, len(self.data(s))) for s in todo], meanwhile)
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
            if isinstance(outcome, (FileSummary, KeptSummary)):
                if isinstance(outcome, KeptSummary):
                    self.facts.add_later(source.display, outcome.outline,
                                         partial(self._whole, source, outcome))
                else:
                    self.facts.add(source.display, outcome)
                added.append(source.display)
                if report:
                    self.reported.add(source.display)
            elif isinstance(outcome, FileResult) and report:
                self.records[source.display] = outcome
        return added

    def data(self, source: SourceFile) -> bytes:
        found = self.contents.get(source.display)
        if found is None and source.display in self.quiet.displays:
            with contextlib.suppress(OSError):
                found = self.contents[source.display] = Path(source.path).read_bytes()
        return found or b""  # unreadable: nothing ties it to the run

    def naming(self, names: frozenset[str]) -> Callable[[SourceFile], bool]:
        """Whether a file names one of ``names``: a question put to every file, answered for
        every file read in one pass over each."""
        self.asked.ask(names=names)
        wanted = [name.encode() for name in names]
        holders = self._holders(wanted)

        def test(source: SourceFile) -> bool:
            if source.display in self.contents:
                return source.display in holders
            if self.quiet.knows(source.display, names=names):
                return False
            return any(self.holds(source, word) for word in wanted)

        return test

    def look_for(self, wanted: Iterable[bytes]) -> None:
        """Answer now, for every file read so far, whether it holds each of these words, in
        one pass over each file: a question about to be put to every file."""
        asked = list(dict.fromkeys(wanted))
        new = [w for w in asked if w not in self.holding]
        if new:
            prepared = words(tuple(new))
            answers = [self.holding.setdefault(word, {}) for word in new]
            for display, data in self.contents.items():
                found = prepared.found_in(data)
                for word, answer in zip(new, answers):
                    answer[display] = word in found
        for word in asked:  # files read since the word was first looked for
            known = self.holding[word]
            for display in self.contents.keys() - known.keys():
                known[display] = word in self.contents[display]

    def _holders(self, wanted: list[bytes]) -> set[str]:
        """The files read so far that hold one of these words."""
        self.look_for(wanted)
        return {display for word in wanted
                for display, held in self.holding[word].items() if held}

    def holds(self, source: SourceFile, word: bytes) -> bool:
        """Whether the file's bytes hold ``word``; answered once per run."""
        answers = self.holding.get(word)
        if answers is None:
            answers = self.holding[word] = {}
        found = answers.get(source.display)
        if found is None:
            found = answers[source.display] = word in self.data(source)
        return found

    def names_module(self, source: SourceFile, module: str, test: Callable[[bytes], bool]) -> bool:
        """``test`` of a file's bytes, a file that may name the emptied ``module``."""
        if source.display not in self.contents and self.quiet.knows(source.display,
                                                                    emptied=module):
            return False
        return test(self.data(source))

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
                known[source.display] = found if marked else None
                self.digests[source.display] = found.digest
        return known

    def _whole(self, source: SourceFile, kept: KeptSummary) -> FileSummary:
        """A kept summary, decoded; analysed again when its entry's summary is damaged (the
        same bytes gave a summary before, so they give the same one now)."""
        found = kept.whole()
        if found is not None:
            return found
        again = analyze_file(source, self.plan, True, self.contents[source.display])
        if not isinstance(again, FileSummary):
            raise RuntimeError(f"{source.display}: analysed before, it cannot be analysed now "
                               f"({getattr(again, 'reason', 'no summary')}); run with --no-cache")
        content = self.content(source)
        if self.earlier is not None and content:
            self.earlier.keep_summary(source, content, self.plan.max_file_size, again)
        return again

    def unread(self, reach: Reach | None = None,
               names: frozenset[str] = frozenset()) -> list[SourceFile]:
        """The files not read yet that touch ``reach`` or name one of ``names``."""
        self.asked.ask(names=names, reach=reach)
        wanted = [name.encode() for name in names]
        naming = self._holders(wanted)
        # A file holding none of the words reach's patterns start from cannot touch it.
        touching = self._holders(reach.words()) if reach is not None else set()
        found = []
        for source in self.sources:
            display = source.display
            if display in self.read:
                continue
            if display in self.contents:
                if display not in naming and display not in touching:
                    continue
            elif self.quiet.knows(display, names=names, reach=reach):
                continue
            if any(self.holds(source, word) for word in wanted) or (
                    reach is not None and
                    reach.touches(self.data(source), partial(self.holds, source))):
                found.append(source)
                self.answered.add(display)
        return found

    def public_method(self, qualname: str) -> bool:
        owner, _, name = qualname.rpartition(".")
        return not name.startswith("_") and \
            any(owner in f.classes for f in self.facts.outlines.values())

    def imported(self) -> set[str]:
        """Modules the analysed files import from (and their packages), but for the
        standard library's."""
        found: set[str] = set()
        for outline in self.facts.outlines.values():
            for qualified in outline.imports.values():
                if standard(qualified):
                    continue
                parts = qualified.split(".")
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        return found

    def modules(self, displays: Iterable[str]) -> frozenset[str]:
        outlines = self.facts.outlines
        return last_names(outlines[d].module for d in displays if d in outlines)

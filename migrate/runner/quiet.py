"""Files an earlier run left unread, unchanged since: a later run need not read them to answer
a question that run asked of them.

A run reads every file only to ask it questions - does it hold a marker, name a renamed
name, import a module the run reads or call a method it may remove, name a module the
rewrite empties - and each question is "any of these words": a file that answered no to
each word once answers no again while its bytes are the same. So a run records every word
it asked of the files it did not read (``Asked``); the next run, for a file whose content id
is unchanged, answers a question made of those words with no, unread, and reads the file
only for a word that run never asked. After one file changed, the run reads that file and
the few the analysis follows, instead of every file of the repository.

A file that answered yes to any question is an input of its run, whether or not the run went
on to read it (``Analysis.answered``): only files that answered no to everything are quiet.
The result cache asks the same questions of a file that changed or is new since."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migrate.runner.inputs import Reach, has_marker, mentions

__all__ = ["Asked", "Quiet", "naming"]


def naming(module: str) -> Callable[[bytes], bool]:
    """Whether a file's bytes name ``module``: an import of it, or its name where no import
    statement shows it (importlib, mock.patch, a plugin list)."""
    importers = Reach(frozenset({module.rpartition(".")[2]}))
    dotted = rb"[./]".join(re.escape(p.encode("utf-8", "surrogateescape"))
                           for p in module.split("."))
    word = re.compile(rb"\b%s\b" % dotted if "." in module else rb"[\"']%s[\"'.]" % dotted)
    return lambda data: importers.touches(data) or word.search(data) is not None


@dataclass
class Asked:
    """The words a run asked of every file it did not read."""

    markers: set[bytes] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # named anywhere in the file
    modules: set[str] = field(default_factory=set)  # imported (``Reach.modules``)
    methods: set[str] = field(default_factory=set)  # called (``Reach.methods``)
    emptied: set[str] = field(default_factory=set)  # modules the rewrite left empty, named

    def ask(self, markers: tuple[bytes, ...] = (), names: frozenset[str] = frozenset(),
            reach: Reach | None = None, emptied: str | None = None) -> None:
        self.markers.update(markers)
        self.names.update(names)
        if reach is not None:
            self.modules.update(reach.modules)
            self.methods.update(reach.methods)
        if emptied is not None:
            self.emptied.add(emptied)

    def covers(self, markers: tuple[bytes, ...] = (), names: frozenset[str] = frozenset(),
               reach: Reach | None = None, emptied: str | None = None) -> bool:
        return self.markers.issuperset(markers) and self.names.issuperset(names) and \
            (reach is None or (self.modules.issuperset(reach.modules) and
                               self.methods.issuperset(reach.methods))) and \
            (emptied is None or emptied in self.emptied)

    def answers_yes(self) -> Callable[[bytes], bool]:
        """Whether a file with some bytes answers yes to one of the questions (a file the run
        did not read, changed or new since, that does must be read by the run); the tests
        built once, for every file."""
        markers, names = tuple(self.markers), frozenset(self.names)
        reach = Reach(frozenset(self.modules), frozenset(self.methods))
        named = [naming(module) for module in sorted(self.emptied)]
        return lambda data: has_marker(data, markers) or mentions(data, names) or \
            reach.touches(data) or any(test(data) for test in named)

    def to_json(self) -> dict[str, list[str]]:
        return {"markers": sorted(m.hex() for m in self.markers), "names": sorted(self.names),
                "modules": sorted(self.modules), "methods": sorted(self.methods),
                "emptied": sorted(self.emptied)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Asked:
        return cls({bytes.fromhex(str(m)) for m in data["markers"]},
                   {str(n) for n in data["names"]}, {str(m) for m in data["modules"]},
                   {str(m) for m in data["methods"]}, {str(m) for m in data["emptied"]})


@dataclass(frozen=True)
class Quiet:
    """Files unread by an earlier run and unchanged since, and what that run asked of them."""

    displays: frozenset[str] = frozenset()
    asked: Asked = field(default_factory=Asked)

    def knows(self, display: str, markers: tuple[bytes, ...] = (),
              names: frozenset[str] = frozenset(), reach: Reach | None = None,
              emptied: str | None = None) -> bool:
        """The file answers no to this question without being read."""
        return display in self.displays and \
            self.asked.covers(markers, names, reach, emptied)

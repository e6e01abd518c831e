"""What a run hands its workers, as plain picklable data: the files and the plan. Light on
purpose (no LibCST), so that a run answered from the cache never loads the codemods.

Also the byte-level tests that decide which files a run reads, shared by the run and by the
result cache that must tell whether a file would be read now."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from codemods.findings import MigrationOptions
from migrate.runner.size import DEFAULT_MAX_FILE_SIZE

if TYPE_CHECKING:
    from codemods.flow.plan import RepoPlan

__all__ = ["Plan", "Reach", "SourceFile", "has_marker", "last_names", "mentions", "raw"]


@dataclass(frozen=True)
class Plan:
    """Everything a worker needs, as plain picklable data."""

    codemods: tuple[str, ...]
    markers: tuple[bytes, ...]
    options: MigrationOptions = field(default_factory=MigrationOptions)
    repo: RepoPlan | None = None  # set between the two passes
    # Signing code a Walmart file may call into: a file with only these is read when it is
    # tied to a Walmart file by an import, not for every hmac in the repository.
    signing_markers: tuple[bytes, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # larger files are never parsed

    @property
    def all_markers(self) -> tuple[bytes, ...]:
        return self.markers + self.signing_markers


@dataclass(frozen=True)
class SourceFile:
    path: str
    display: str
    module: str  # dotted module name, for imports between the repository's files
    is_package: bool = False


def raw(module: str) -> bytes:
    """A module name as bytes: one from a file name that is not UTF-8 keeps its own bytes
    (no import can name it; it must not stop the run)."""
    return module.encode("utf-8", "surrogateescape")


def has_marker(data: bytes, markers: tuple[bytes, ...]) -> bool:
    return any(marker in data for marker in markers)


def mentions(data: bytes, names: frozenset[str]) -> bool:
    """A file naming what the plan renames joins the second pass, marker or not."""
    return any(name.encode() in data for name in names)


def last_names(modules: Iterable[str]) -> frozenset[str]:
    """The names an import of these modules must spell out (``signing`` for ``sync.signing``,
    whether it is imported absolutely, relatively, or from its package)."""
    return frozenset(m.rpartition(".")[2] for m in modules if m)


@dataclass(frozen=True)
class Reach:
    """What ties another file to the files a run reads: an import of one of their modules
    (by its last name, in any form of import statement, at any indentation), or a call of a
    method the rewrite may remove. Errs on the side of reading a file too many."""

    modules: frozenset[str] = frozenset()  # last names, from ``last_names``
    methods: frozenset[str] = frozenset()

    @cached_property
    def _module_words(self) -> tuple[bytes, ...]:
        return tuple(raw(m) for m in sorted(self.modules))

    @cached_property
    def _method_words(self) -> tuple[bytes, ...]:
        return tuple(m.encode() for m in sorted(self.methods))

    @cached_property
    def _imports(self) -> re.Pattern[bytes] | None:
        if not self.modules:
            return None
        words = b"|".join(re.escape(w) for w in self._module_words)
        return re.compile(
            rb"^[ \t]*(?:from[ \t]+[\w.]*\b(?:%s)\b"  # from a.signing import x / from .signing
            rb"|from[ \t]+[\w.]+[ \t]+import[ \t]*(?:\([^)]*?|[^\n]*?)\b(?:%s)\b"  # from a import signing
            rb"|import[ \t]+[^\n]*?\b(?:%s)\b)" % (words, words, words),  # import a.signing
            re.MULTILINE)

    @cached_property
    def _calls(self) -> re.Pattern[bytes] | None:
        if not self.methods:
            return None
        words = b"|".join(re.escape(w) for w in self._method_words)
        return re.compile(rb"\.[ \t]*(?:%s)\b" % words)

    def words(self) -> list[bytes]:
        """The words a file must hold to touch this (the plain test before the patterns)."""
        return [*self._module_words, *self._method_words]

    def __bool__(self) -> bool:
        return bool(self.modules or self.methods)

    def touches(self, data: bytes,
                contains: Callable[[bytes], bool] | None = None) -> bool:
        """``contains``: whether the file holds a word, when the caller keeps the answers."""
        # A plain substring test first: most files name none of them, and it is far cheaper.
        holds = contains if contains is not None else data.__contains__
        if self._imports is not None and any(holds(w) for w in self._module_words) and \
                self._imports.search(data):
            return True
        return self._calls is not None and any(holds(w) for w in self._method_words) and \
            self._calls.search(data) is not None

    def to_json(self) -> dict[str, list[str]]:
        return {"modules": sorted(self.modules), "methods": sorted(self.methods)}

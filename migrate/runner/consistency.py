"""A repository left half migrated is not clean. A run killed mid-write, a hand edit, one file
restored from git: code then reads a credential under its new name from a settings module
that still defines only the old one (or the other way round), and fails only in production.
Signing is gone from such code, so no marker leads a run to it; this check does.

It reads what the repository holds now, with Python's own parser, and stays conservative
so that correctly migrated code is never flagged: a read is a finding only when it names a
module of the repository (``settings.WALMART_CLIENT_ID`` after ``from seller import
settings``, or ``from seller.settings import WALMART_CLIENT_ID``), the module does not define
that name, and it does define the same credential under the other name - the old one for a
new-name read, the new one for an old-name read. A module that can define any name (a
module-level ``__getattr__``, a star import, writes through ``globals()``) is never judged.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from dataclasses import astuple, dataclass
from pathlib import Path

from codemods.findings import Finding
from codemods.names import DEFAULT_RENAMES, rename_identifier
from migrate.runner.checked_files import MISSING, CheckedFiles
from migrate.runner.inputs import SourceFile
from migrate.runner.modules import imported_from
from migrate.runner.results import FileResult, RunResult
from migrate.runner.words import Words, words

__all__ = ["CODEMOD", "DESCRIPTION", "attach", "find_inconsistencies"]

CODEMOD = "consistency"
DESCRIPTION = ("Credentials read under a name their settings module does not define, while it "
               "defines the other one: a migration stopped half way.")
_OPEN_ENDED = (b"globals()", b"sys.modules[__name__]", b"vars()")


@dataclass(frozen=True)
class _Read:
    module: str  # the repository module the name is read from
    name: str
    line: int
    column: int
    spelled: str  # as the code writes it, for the message


class _Files:
    """The repository as the command leaves it: on disk, but for what the run writes."""

    def __init__(self, contents: dict[str, bytes | None], limit: int,
                 read: Mapping[str, bytes] | None = None) -> None:
        self.contents = contents  # display path -> new text (None: removed)
        self.limit = limit
        self.read = read or {}  # display path -> the bytes the run read from disk

    def data(self, source: SourceFile) -> bytes | None:
        if source.display in self.contents:
            return self.contents[source.display]
        known = self.read.get(source.display)
        if known is not None:
            return None if len(known) > self.limit else known
        try:
            path = Path(source.path)
            if path.stat().st_size > self.limit:
                return None  # never parsed, like everywhere else in a run
            return path.read_bytes()
        except OSError:
            return None

    def fresh(self, source: SourceFile) -> bool:
        """Its text is what the run is about to write, not what an earlier run saw."""
        return source.display in self.contents

    def parse(self, data: bytes) -> ast.Module | None:
        if len(data) > self.limit:
            return None
        try:
            return ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def _defined(data: bytes, tree: ast.Module) -> frozenset[str] | None:
    """The names a module defines at its top level; None when it could define any name."""
    if any(marker in data for marker in _OPEN_ENDED):
        return None
    names: set[str] = set()
    for node in _module_level(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    names.update(n for node in ast.walk(tree) if isinstance(node, ast.Global) for n in node.names)
    return None if "__getattr__" in names else frozenset(names)


def _module_level(node: ast.AST) -> Iterator[ast.AST]:
    """Every node that runs at import time, but for the bodies of functions and classes."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                  ast.Lambda)):
            yield from _module_level(child)


def _rebound(nodes: list[ast.AST]) -> set[str]:
    """Names the file also binds otherwise than by import (a parameter, an assignment):
    ``settings.X`` may then be another object, and is not judged."""
    names = {a.arg for node in nodes if isinstance(node, ast.arguments)
             for a in (*node.posonlyargs, *node.args, *node.kwonlyargs, node.vararg, node.kwarg)
             if a is not None}
    names.update(n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return names


def _reads(source: SourceFile, tree: ast.Module, modules: dict[str, SourceFile]) -> list[_Read]:
    bound: dict[str, str] = {}  # local name -> repository module
    reads: list[_Read] = []
    nodes = list(ast.walk(tree))  # walked once: the walk costs more than the passes over it
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.partition(".")[0]
                target = alias.name if alias.asname else local
                if target in modules:
                    bound[local] = target
        elif isinstance(node, ast.ImportFrom):
            module = imported_from(node, source.module, source.is_package)
            for alias in node.names:
                if f"{module}.{alias.name}" in modules:
                    bound[alias.asname or alias.name] = f"{module}.{alias.name}"
                elif module in modules and alias.name != "*":
                    reads.append(_Read(module, alias.name, node.lineno, node.col_offset + 1,
                                       f"from {module} import {alias.name}"))
    for local in _rebound(nodes) & set(bound):
        del bound[local]
    for node in nodes:
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            read_from = _module_of(node.value, bound, modules)
            if read_from is not None:
                reads.append(_Read(read_from, node.attr, node.lineno, node.col_offset + 1,
                                   f"{ast.unparse(node.value)}.{node.attr}"))
    return reads


def _module_of(node: ast.expr, bound: dict[str, str], modules: dict[str, SourceFile]) -> str | None:
    """The repository module an expression is, if it is one (``settings``, ``seller.settings``)."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        parent = _module_of(node.value, bound, modules)
        if parent is not None and f"{parent}.{node.attr}" in modules:
            return f"{parent}.{node.attr}"
    return None


def _counterpart(name: str, defined: frozenset[str], exact: dict[str, str]) -> str | None:
    """The same credential under its other name, when the module defines that one."""
    new = rename_identifier(name, exact)
    if new != name and new in defined:
        return new
    return next((old for old in sorted(defined) if old != name and
                 rename_identifier(old, exact) == name), None)


def _words(exact: dict[str, str]) -> tuple[bytes, ...]:
    pairs = [*DEFAULT_RENAMES, *exact.items()]
    return tuple(sorted({w.encode() for pair in pairs for w in pair}))


def find_inconsistencies(sources: list[SourceFile], exact: dict[str, str], limit: int,
                         contents: dict[str, bytes | None] | None = None,
                         checked: CheckedFiles | None = None,
                         on_disk: Mapping[str, bytes] | None = None) -> dict[str, list[Finding]]:
    """A ``manual`` finding at every read of a credential its module does not define, by
    display path; ``contents`` replaces what is on disk (None: the file is removed);
    ``checked``: earlier answers per file, by content; ``on_disk``: files' bytes the run
    has read from disk already."""
    files = _Files(contents or {}, limit, on_disk)
    counts: dict[str, int] = {}
    for source in sources:
        counts[source.module] = counts.get(source.module, 0) + 1
    # Two files under one module name (two conftest.py): which one is meant is unknown.
    modules = {s.module: s for s in sources if counts[s.module] == 1}
    named = _words(exact)
    spelled = words(named)
    credential = tuple(w.decode() for w in named)
    definitions: dict[str, frozenset[str] | None] = {}
    found: dict[str, list[Finding]] = {}
    for source in sources:
        for read in _credential_reads(source, files, modules, spelled, checked):
            # A name holding no credential word has no counterpart (``_counterpart``): the
            # module it is read from (``os.path``, ``base64.b64encode``) is not parsed.
            if not any(word in read.name for word in credential):
                continue
            if read.module not in definitions:
                definitions[read.module] = _definitions(modules[read.module], files, checked)
            defined = definitions[read.module]
            if defined is None or read.name in defined:
                continue
            other = _counterpart(read.name, defined, exact)
            if other is None:
                continue
            where = modules[read.module].display
            found.setdefault(source.display, []).append(Finding(
                read.line, read.column, "hybrid", CODEMOD, "manual",
                f"reads {read.spelled}, which {where} does not define (it defines {other}): "
                "the repository is half migrated; rename it in one of them, or restore an "
                "interrupted run's files from git"))
    if checked is not None:
        checked.save()
    return found


def _credential_reads(source: SourceFile, files: _Files, modules: dict[str, SourceFile],
                      spelled: Words,
                      checked: CheckedFiles | None) -> list[_Read]:
    """What the file reads from the repository's modules, if it names a credential at all."""
    kept = MISSING if checked is None or files.fresh(source) else checked.get("reads", source)
    if kept is not MISSING:
        return [_Read(*read) for read in kept]
    data = files.data(source)
    if data is None:
        return []
    reads: list[_Read] = []
    if spelled.any_in(data):
        tree = files.parse(data)
        reads = [] if tree is None else _reads(source, tree, modules)
    if checked is not None and not files.fresh(source):
        checked.keep("reads", source, data, [astuple(r) for r in reads])
    return reads


def _definitions(source: SourceFile, files: _Files,
                 checked: CheckedFiles | None) -> frozenset[str] | None:
    kept = MISSING if checked is None or files.fresh(source) else checked.get("defined", source)
    if kept is not MISSING:
        return None if kept is None else frozenset(kept)
    data = files.data(source)
    if data is None:
        return None
    tree = files.parse(data)
    defined = None if tree is None else _defined(data, tree)
    if checked is not None and not files.fresh(source):
        checked.keep("defined", source, data, None if defined is None else sorted(defined))
    return defined


def attach(result: RunResult, found: dict[str, list[Finding]]) -> Callable[[], None]:
    """Add the findings to the run's records; the function that takes them out again."""
    by_path = {r.path: r for r in result.files}
    created: list[FileResult] = []
    touched: list[FileResult] = []
    for display, findings in found.items():
        record = by_path.get(display)
        if record is None:
            record = FileResult(display, "unchanged")
            result.files.append(record)
            created.append(record)
        touched.append(record)
        record.findings = sorted([*record.findings, *findings], key=lambda f: (f.line, f.column))

    def undo() -> None:
        for record in touched:
            record.findings = [f for f in record.findings if f.codemod != CODEMOD]
        result.files = [r for r in result.files if all(r is not c for c in created)]

    return undo

"""A run over some paths of a repository: the whole repository is analysed, the paths only
say where writes (and reports) happen.

Writing part of a rewrite breaks code: a constructor's ``consumer_id`` renamed in the file
given while a caller elsewhere still passes ``consumer_id=``, a settings name renamed in
one module and read under the old one in another. So a changed file outside the paths is
*tied* to the written ones when one of the two imports the other and both changes rename
or remove one of the same names that one of them defines (a parameter, a keyword, an
attribute, a top-level name). Tied files are written too with ``--follow``; otherwise the
run refuses and names them. A change outside the paths tied to nothing written (another
client's own rewrite) is left for a later run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from migrate.runner.inputs import SourceFile
from migrate.runner.modules import imported_from
from migrate.runner.results import FileResult, RunResult

__all__ = ["PartialWriteError", "Tied", "narrow", "needed_outside", "project_root", "tied_files"]


@dataclass(frozen=True)
class Tied:
    """A changed file outside the paths that a written file needs: why, in a few words."""

    path: str
    because_of: str  # the written file it is tied to
    names: tuple[str, ...]  # the names both changes rename or remove


@dataclass(frozen=True)
class _Shape:
    changed: frozenset[str]  # names the change adds or removes
    own: frozenset[str]  # names the file defines, before or after (not by import)
    imports: frozenset[str]  # repository modules the file imports, before or after


def _parse(data: bytes | None) -> ast.Module | None:
    if data is None:
        return None
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _names(tree: ast.Module) -> set[str]:
    """Every name the code spells: variables, attributes, keywords, parameters, imports."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, (ast.keyword, ast.arg)) and node.arg:
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.rpartition(".")[2])
    return names


def _own(tree: ast.Module) -> set[str]:
    """Names the file itself defines: top-level and class-level names, functions, parameters,
    attributes it assigns. Names bound by an import are another module's."""
    own: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own.add(node.name)
        elif isinstance(node, ast.arg):
            own.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            own.add(node.attr)
    return own


def _imports(tree: ast.Module, source: SourceFile, modules: frozenset[str]) -> set[str]:
    """The repository modules this file imports (``from seller import settings`` imports
    ``seller.settings`` when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        elif isinstance(node, ast.ImportFrom):
            module = imported_from(node, source.module, source.is_package)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found & modules


def _shape(record: FileResult, source: SourceFile, modules: frozenset[str]) -> _Shape | None:
    before, after = _parse(record.original), _parse(b"" if record.deleted else record.new)
    if before is None or after is None:
        return None
    old, new = _names(before), _names(after)
    return _Shape(frozenset(old ^ new), frozenset(_own(before) | _own(after)),
                  frozenset(_imports(before, source, modules) | _imports(after, source, modules)))


def _shared(a: _Shape, b: _Shape) -> tuple[str, ...]:
    return tuple(sorted(a.changed & b.changed & (a.own | b.own)))


def tied_files(result: RunResult, sources: Iterable[SourceFile], written: set[str]) -> list[Tied]:
    """The changed files outside ``written`` (display paths) that the written ones need,
    followed to the end: a tied file's own ties count too."""
    by_display = {s.display: s for s in sources}
    modules = frozenset(s.module for s in by_display.values())
    shapes: dict[str, _Shape] = {}
    for record in result.changed:
        source = by_display.get(record.path)
        shape = _shape(record, source, modules) if source is not None else None
        if shape is not None:
            shapes[record.path] = shape
    module_of = {path: by_display[path].module for path in shapes}
    tied: list[Tied] = []
    reached = set(written)
    queue = [path for path in written if path in shapes]
    while queue:
        current = queue.pop(0)
        here = shapes[current]
        for other, there in sorted(shapes.items()):
            if other in reached:
                continue
            if module_of[other] not in here.imports and module_of[current] not in there.imports:
                continue
            names = _shared(here, there)
            if names:
                reached.add(other)
                queue.append(other)
                tied.append(Tied(other, current, names))
    return tied


class PartialWriteError(Exception):
    """Writing only the paths would break the files named."""


def needed_outside(result: RunResult, sources: Iterable[SourceFile], listed: set[str],
                   follow: bool) -> set[str]:
    """The changed files outside the paths that writing the paths needs (``follow``), or
    ``PartialWriteError`` naming them."""
    written = {r.path for r in result.changed if r.path in listed}
    tied = tied_files(result, sources, written)
    if not tied or follow:
        return {t.path for t in tied}
    why = "; ".join(f"{t.path} ({_few(t.names)} change with {t.because_of})" for t in tied)
    raise PartialWriteError(
        f"writing only the paths given would break code that needs the same change "
        f"elsewhere: {why}; add these files to the command, or pass --follow to rewrite them "
        "too; nothing was written")


def _few(names: tuple[str, ...]) -> str:
    return ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")


def narrow(result: RunResult, listed: set[str]) -> None:
    """Keep only the records of ``listed`` files: what is reported and written."""
    result.files = [r for r in result.files if r.path in listed]
    if not result.changed:  # names kept by rewrites elsewhere are not this run's to report
        result.kept_names = {}
    result.environment = {}
    for record in result.files:
        result.environment.update(record.environment)


_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def project_root(folder: Path) -> Path:
    """Outside git, the project the folder belongs to: the nearest folder above it with a
    pyproject.toml, setup.py or setup.cfg; the folder itself when there is none."""
    for candidate in (folder, *folder.parents):
        if any((candidate / name).is_file() for name in _PROJECT_FILES):
            return candidate
    return folder

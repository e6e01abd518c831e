"""One file in isolation, in two passes: ``analyze_file`` reads what it signs (for the
repository plan), ``migrate_file`` runs every codemod in order with that plan and re-parses
the result. Reads the file (unless handed its bytes), writes nothing; safe in a worker process.

A file is parsed, and its positions worked out, once: the first pass keeps its tree in this
process for the second (the runner sends both passes of a file to the same process), which
uses it when the bytes are still the same. ``forget`` drops them at the end of a run."""

from __future__ import annotations

import ast
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import libcst as cst
from libcst.metadata import CodeRange

from codemods.base import FileContext, attach_options, findings_of, is_skip, seed_origins
from codemods.flow.summarise import summarise
from codemods.flow.summary import FileSummary
from codemods.positions import positions_of
from codemods.printing import bytes_of
from codemods.registry import load_codemods
from codemods.work import attach_plan, renamed_variables
from migrate.runner.inputs import Plan, SourceFile, has_marker
from migrate.runner.results import FileResult
from migrate.runner.shim_imports import gains_shim, python_tree
from migrate.runner.size import DEFAULT_MAX_FILE_SIZE, too_large
from migrate.runner.source import Unreadable, decode_source, is_generated, python2_reason

__all__ = ["analyze_file", "forget", "migrate_bytes", "migrate_file"]


@dataclass(frozen=True)
class _Parsed:
    data: bytes
    tree: cst.Module
    positions: Mapping[cst.CSTNode, CodeRange]


_KEPT: dict[str, _Parsed] = {}  # display path -> the first pass's tree, for the second


def forget() -> None:
    _KEPT.clear()


def _python2(text: str) -> str | None:
    """LibCST accepts some Python 2 forms (``except X, e:``); Python's own parser does not.
    A file that parser rejects *and* that shows Python 2 syntax is called Python 2; one it
    rejects for another reason (syntax newer than this interpreter) still goes to LibCST."""
    try:
        ast.parse(text)
    except SyntaxError:
        return python2_reason(text)
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def parse_source(data: bytes, display: str,
                 limit: int = DEFAULT_MAX_FILE_SIZE) -> Union[cst.Module, FileResult]:
    """The LibCST tree, or the ``skipped`` record that says why there is none."""
    if is_generated(data):
        return FileResult(display, "skipped", "generated file (@generated); regenerate it instead")
    if len(data) > limit:  # before anything parses it, Python's own parser included
        return FileResult(display, "skipped", too_large(len(data), limit))
    try:
        decoded = decode_source(data)
    except Unreadable as exc:
        return FileResult(display, "skipped", str(exc))
    py2 = _python2(decoded.text)
    if py2:
        return FileResult(display, "skipped", f"{py2}; port it to Python 3 first")
    try:
        return cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        return FileResult(display, "skipped", f"syntax error on line {exc.raw_line}: "
                                              f"{exc.message.splitlines()[0]}; fix it and run again")
    except (RecursionError, MemoryError):
        return FileResult(display, "skipped", "too deeply nested to parse")


def _read(source: SourceFile) -> Union[bytes, FileResult]:
    try:
        return Path(source.path).read_bytes()
    except OSError as exc:
        return FileResult(source.display, "failed", f"cannot read: {exc.strerror}")


def analyze_file(source: SourceFile, plan: Plan, force: bool = False,
                 data: Optional[bytes] = None) -> Union[FileSummary, FileResult, None]:
    """First pass: the file's summary. None when it has no marker (unless forced); a record
    when it cannot be read as Python 3 (the second pass then reports it as is)."""
    read = _read(source) if data is None else data
    if isinstance(read, FileResult):
        return read
    if not force and not has_marker(read, plan.all_markers):
        return None
    tree = parse_source(read, source.display, plan.max_file_size)
    if isinstance(tree, FileResult):
        return None if force else tree
    try:
        positions = positions_of(tree)
        summary = summarise(tree, source.module, source.display, source.is_package, positions)
    except Exception as exc:
        return _crash(source.display, "analysis", exc, [])
    _KEPT[source.display] = _Parsed(read, tree, positions)
    return summary


def _crash(display: str, what: str, exc: Exception, findings: list) -> FileResult:  # type: ignore[type-arg]
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return FileResult(
        display, "failed",
        f"{what} crashed ({type(exc).__name__}: {exc} at {Path(where.filename).name}:"
        f"{where.lineno}); the file was left as it was", findings, internal_error=True)


def migrate_bytes(data: bytes, source: SourceFile, plan: Plan) -> FileResult:
    """Second pass on bytes: every codemod in order, then the re-parse check."""
    package = source.module if source.is_package else source.module.rpartition(".")[0]
    context = FileContext(filename=source.display, full_module_name=source.module,
                          full_package_name=package)
    kept = _KEPT.pop(source.display, None)
    if kept is not None and kept.data == data:  # trees are immutable: the same tree serves
        tree: Union[cst.Module, FileResult] = kept.tree
        seed_origins(context, kept.tree, kept.positions)
    else:
        tree = parse_source(data, source.display, plan.max_file_size)
    if isinstance(tree, FileResult):
        return tree
    attach_options(context, plan.options)
    if plan.repo is not None:
        attach_plan(context, plan.repo)
    for codemod in load_codemods(plan.codemods):
        try:
            tree = codemod(context).transform_module(tree)
        except Exception as exc:
            if is_skip(exc):
                return FileResult(source.display, "skipped",
                                  str(exc) or f"{codemod.NAME} skipped the file",
                                  findings_of(context))
            return _crash(source.display, f"codemod {codemod.NAME}", exc, findings_of(context))
    new = bytes_of(tree)
    findings = sorted(findings_of(context), key=lambda f: (f.line, f.column))
    if new == data:
        return FileResult(source.display, "unchanged", "", findings)
    # Python's own parser checks the rewritten text (and tells whether it gained
    # ``import shim``); LibCST's, only when Python's refuses it - the seller's code may use
    # syntax newer than the Python running this.
    checked = python_tree(new)
    if checked is None:
        try:
            cst.parse_module(new)
        except cst.ParserSyntaxError as exc:
            return FileResult(source.display, "failed",
                              f"the rewritten code does not parse ({exc.message} on line "
                              f"{exc.raw_line}); the file was left as it was", findings,
                              internal_error=True)
    return FileResult(source.display, "changed", "", findings, original=data, new=new,
                      environment=dict(renamed_variables(context)),
                      gains_shim=gains_shim(data, new, checked))


def migrate_file(source: SourceFile, plan: Plan, data: Optional[bytes] = None) -> FileResult:
    read = _read(source) if data is None else data
    if isinstance(read, FileResult):
        return read
    return migrate_bytes(read, source, plan)

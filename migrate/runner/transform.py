"""One file, start to finish, in isolation: prefilter, decode, parse, every codemod in order,
re-parse the result. Pure: reads the file, writes nothing; safe in a worker process."""

from __future__ import annotations

import ast
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext, SkipFile

from codemods.base import MigrationOptions, attach_options, findings_of
from codemods.registry import load_codemods
from migrate.runner.results import FileResult
from migrate.runner.source import Unreadable, decode_source, is_generated, python2_reason

__all__ = ["Plan", "has_marker", "migrate_bytes", "migrate_file"]


@dataclass(frozen=True)
class Plan:
    """Everything a worker needs, as plain picklable data."""

    codemods: tuple[str, ...]
    markers: tuple[bytes, ...]
    options: MigrationOptions = field(default_factory=MigrationOptions)


def has_marker(data: bytes, markers: tuple[bytes, ...]) -> bool:
    return any(marker in data for marker in markers)


def _module_name(display: str) -> str | None:
    if not display.endswith(".py"):
        return None
    parts = display[:-3].replace("\\", "/").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


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


def migrate_bytes(data: bytes, display: str, plan: Plan) -> FileResult:
    """The whole per-file pipeline on bytes; ``display`` is the path shown in reports."""
    if is_generated(data):
        return FileResult(display, "skipped", "generated file (@generated); regenerate it instead")
    try:
        decoded = decode_source(data)
    except Unreadable as exc:
        return FileResult(display, "skipped", str(exc))
    py2 = _python2(decoded.text)
    if py2:
        return FileResult(display, "skipped", f"{py2}; port it to Python 3 first")
    try:
        tree = cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        return FileResult(display, "skipped", f"syntax error on line {exc.raw_line}: "
                                              f"{exc.message.splitlines()[0]}; fix it and run again")
    except (RecursionError, MemoryError):
        return FileResult(display, "skipped", "too deeply nested to parse")
    context = CodemodContext(filename=display, full_module_name=_module_name(display))
    attach_options(context, plan.options)
    for codemod in load_codemods(plan.codemods):
        try:
            tree = codemod(context).transform_module(tree)
        except SkipFile as exc:
            return FileResult(display, "skipped", str(exc) or f"{codemod.NAME} skipped the file",
                              findings_of(context))
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return FileResult(
                display, "failed",
                f"codemod {codemod.NAME} crashed ({type(exc).__name__}: {exc} at "
                f"{Path(where.filename).name}:{where.lineno}); the file was left as it was",
                findings_of(context), internal_error=True)
    new = tree.bytes
    findings = sorted(findings_of(context), key=lambda f: (f.line, f.column))
    if new == data:
        return FileResult(display, "unchanged", "", findings)
    try:
        cst.parse_module(new)
    except cst.ParserSyntaxError as exc:
        return FileResult(display, "failed",
                          f"the rewritten code does not parse ({exc.message} on line "
                          f"{exc.raw_line}); the file was left as it was", findings,
                          internal_error=True)
    return FileResult(display, "changed", "", findings, original=data, new=new)


def migrate_file(path: str, display: str, plan: Plan) -> FileResult | None:
    """None when the file holds no marker (the common case: never parsed)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return FileResult(display, "failed", f"cannot read: {exc.strerror}")
    if not has_marker(data, plan.markers):
        return None
    return migrate_bytes(data, display, plan)

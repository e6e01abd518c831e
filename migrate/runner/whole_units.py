"""What one file's rewrite means for the others of its plan: a module left empty is deleted
when nothing imports it any more, and when one file of a plan cannot be rewritten, none is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from codemods.flow.plan import RepoPlan
from migrate.runner.inputs import SourceFile, mentions
from migrate.runner.quiet import naming
from migrate.runner.results import FileResult

__all__ = ["delete_emptied", "hold_back", "is_empty"]


def delete_emptied(sources: list[SourceFile], second: list[SourceFile], migrated: list[FileResult],
                   names_module: Callable[[SourceFile, str, Callable[[bytes], bool]], bool],
                   asked: Callable[[str], None]) -> None:
    """A module the rewrite left with nothing but its docstring, that no file imports any
    more (the rewritten ones as they will be), is deleted rather than left empty. A rewritten
    file answered from earlier facts comes without its text: the second pass rewrote again
    every such file whose words name an emptied module, so the rest cannot import it.
    ``names_module`` puts the question to a file; ``asked`` is told of a module every file
    was asked about (the question stops at the first file naming it)."""
    final = {s.display: r.new for s, r in zip(second, migrated) if r.status == "changed"}
    textless = {d for d, new in final.items() if new is None}
    for source, result in zip(second, migrated):
        if result.status != "changed" or source.is_package or result.new is None or \
                not is_empty(result.new):
            continue
        names_it = naming(source.module)
        if any(s.display != source.display and
               (names_it(final[s.display] or b"") if final.get(s.display) else
                names_module(s, source.module, names_it))
               for s in sources if s.display not in textless):
            continue
        asked(source.module)  # of every file: none names it
        result.deleted = True
        result.reason = "nothing is left in it and nothing imports it: removed"


def hold_back(second: list[SourceFile], migrated: list[FileResult], plan: RepoPlan,
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


def is_empty(data: bytes) -> bool:
    """Only a docstring, ``from __future__`` imports, comments and blank lines."""
    import ast

    try:
        body = ast.parse(data).body
    except (SyntaxError, ValueError):
        return False
    return all((isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and
                isinstance(s.value.value, str)) or
               (isinstance(s, ast.ImportFrom) and s.module == "__future__") for s in body)


def _size(source: SourceFile) -> int:
    try:
        return Path(source.path).stat().st_size
    except OSError:
        return 0

"""Import edits that only look at the top of the module, instead of LibCST's import
visitors, which walk (and analyse) the whole tree for every file."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

__all__ = ["ensure_import", "ensure_imports", "prune_aliases"]


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)


def _imports_module(statement: cst.CSTNode, name: str) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(s, cst.Import) and any(a.evaluated_name == name and a.asname is None
                                          for a in s.names)
        for s in statement.body)


def _is_docstring(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and \
        isinstance(statement.body[0], cst.Expr) and \
        isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def ensure_import(tree: cst.Module, name: str) -> cst.Module:
    """``import name`` after the imports at the top of the module, unless already there."""
    if any(_imports_module(s, name) for s in tree.body):
        return tree
    position = 0
    for index, statement in enumerate(tree.body):
        if _is_import(statement) or (index == 0 and _is_docstring(statement)):
            position = index + 1
        else:
            break
    line = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name(name))])])
    return tree.with_changes(body=[*tree.body[:position], line, *tree.body[position:]])


def prune_aliases(names: Sequence[cst.ImportAlias], drop: set[int]) -> list[cst.ImportAlias]:
    """``names`` without the dropped aliases, the last comma fixed as in the original."""
    kept = [alias for alias in names if id(alias) not in drop]
    if kept and id(names[-1]) in drop:
        kept[-1] = kept[-1].with_changes(comma=names[-1].comma)
    return kept


def ensure_imports(tree: cst.Module, names: object) -> cst.Module:
    """``import name`` for each of ``names`` (sorted), unless already there."""
    for name in sorted(names):  # type: ignore[call-overload]
        tree = ensure_import(tree, name)
    return tree

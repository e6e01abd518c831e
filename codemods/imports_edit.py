"""Import edits that only look at the top of the module, instead of LibCST's import
visitors, which walk (and analyse) the whole tree for every file."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import libcst as cst

from codemods.printing import code_of

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


# Installed packages sellers import beside their HTTP and signing code: the import group
# holding one of them is the third-party group, where ``import shim`` belongs (as isort
# would put it).
_THIRD_PARTY = {"requests", "httpx", "aiohttp", "urllib3", "cryptography", "Crypto", "Cryptodome",
                "rsa", "google", "jwt", "boto3", "xmltodict", "yaml", "dotenv", "pydantic", "django",
                "flask", "sqlalchemy", "tenacity", "backoff", "vcr", "pytest"}


_STANDARD = frozenset(getattr(sys, "stdlib_module_names", ())) or frozenset(
    {"os", "sys", "time", "json", "base64", "pathlib", "uuid", "hmac", "hashlib", "typing"})


def _top_level(statement: cst.CSTNode) -> str | None:
    """The top package a single import statement imports from, when it is absolute."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Import):
        return code_of(small.names[0].name).split(".")[0]
    if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
        return code_of(small.module).split(".")[0]
    return None


def ensure_import(tree: cst.Module, name: str, local: str = "") -> cst.Module:
    """``import name`` in the module's third-party import group, in order; else in a group of
    its own before the repository's own imports (``local`` is the repository's top package);
    else after the imports at the top. Nothing when it is already imported."""
    if any(_imports_module(s, name) for s in tree.body):
        return tree
    position = 0
    groups: list[list[int]] = []
    for index, statement in enumerate(tree.body):
        if _is_import(statement):
            position = index + 1
            separated = isinstance(statement, cst.SimpleStatementLine) and \
                any(not line.comment for line in statement.leading_lines)
            if not groups or separated or groups[-1][-1] != index - 1:
                groups.append([])
            groups[-1].append(index)
        elif index == 0 and _is_docstring(statement):
            position = index + 1
        else:
            break
    standard = name in _STANDARD
    if local and name.partition(".")[0] == local:
        return _into_own_group(tree, name, local, groups, position)
    for group in groups:
        tops = [_top_level(tree.body[i]) for i in group]
        if (standard and any(t in _STANDARD for t in tops)) or \
                (not standard and any(t in _THIRD_PARTY for t in tops)):
            position = group[0]
            for index in group:
                statement = tree.body[index]
                is_plain = isinstance(statement, cst.SimpleStatementLine) and \
                    isinstance(statement.body[0], cst.Import)
                # isort and ruff compare module names ignoring case: Xlib sorts after shim.
                if is_plain and (_top_level(statement) or "").lower() < name.lower():
                    position = index + 1
            if position == group[0]:  # first in its group: take over the group's blank line
                first = tree.body[position]
                line = cst.SimpleStatementLine([_import(name)],
                                               leading_lines=first.leading_lines)
                rest = first.with_changes(leading_lines=())
                return tree.with_changes(body=[*tree.body[:position], line, rest,
                                               *tree.body[position + 1:]])
            break
    else:
        own = next((g for g in groups if local and all(
            _top_level(tree.body[i]) in (local, None) for i in g)), None)
        if own is not None and own is not groups[0]:
            blank = (cst.EmptyLine(),)
            line = cst.SimpleStatementLine([_import(name)],
                                           leading_lines=blank)
            return tree.with_changes(body=[*tree.body[:own[0]], line, *tree.body[own[0]:]])
    line = cst.SimpleStatementLine([_import(name)])
    return tree.with_changes(body=[*tree.body[:position], line, *tree.body[position:]])


def _import(name: str) -> cst.Import:
    dotted = cst.parse_expression(name)
    assert isinstance(dotted, (cst.Name, cst.Attribute))
    return cst.Import([cst.ImportAlias(dotted)])


def _into_own_group(tree: cst.Module, name: str, local: str, groups: list[list[int]],
                    position: int) -> cst.Module:
    """``import local.module`` among the repository's own imports, else after the imports."""
    own = next((g for g in reversed(groups)
                if all(_top_level(tree.body[i]) in (local, None) for i in g)), None)
    if own is not None:
        position = own[-1] + 1
        for index in own:
            statement = tree.body[index]
            if isinstance(statement, cst.SimpleStatementLine) and \
                    isinstance(statement.body[0], cst.Import) and \
                    code_of(statement.body[0].names[0].name) > name:
                position = index
                break
        if position == own[0]:
            first = tree.body[position]
            line = cst.SimpleStatementLine([_import(name)], leading_lines=first.leading_lines)
            return tree.with_changes(body=[*tree.body[:position], line,
                                           first.with_changes(leading_lines=()),
                                           *tree.body[position + 1:]])
        line = cst.SimpleStatementLine([_import(name)])
        return tree.with_changes(body=[*tree.body[:position], line, *tree.body[position:]])
    blank = (cst.EmptyLine(),) if groups else ()
    line = cst.SimpleStatementLine([_import(name)], leading_lines=blank)
    return tree.with_changes(body=[*tree.body[:position], line, *tree.body[position:]])


def prune_aliases(names: Sequence[cst.ImportAlias], drop: set[int]) -> list[cst.ImportAlias]:
    """``names`` without the dropped aliases, the last comma fixed as in the original."""
    kept = [alias for alias in names if id(alias) not in drop]
    if kept and id(names[-1]) in drop:
        kept[-1] = kept[-1].with_changes(comma=names[-1].comma)
    return kept


def ensure_imports(tree: cst.Module, names: object, local: str = "") -> cst.Module:
    """``import name`` for each of ``names`` (sorted), unless already there."""
    for name in sorted(names):  # type: ignore[call-overload]
        tree = ensure_import(tree, name, local)
    return tree

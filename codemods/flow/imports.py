"""A module's import table: local name -> fully qualified name, relative imports resolved."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Union, cast

import libcst as cst

from codemods.flow.syntax import child_nodes, dotted, is_expression, kind_test

__all__ = ["import_table"]


def _absolute(module: str, is_package: bool, relative: int, target: str) -> str:
    if not relative:
        return target
    parts = module.split(".") if module else []
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (relative - 1)] if relative > 1 else base
    return ".".join([*base, target] if target else base)


def import_table(module: cst.Module, module_name: str, is_package: bool) -> dict[str, str]:
    """Module-level imports, then - for names they leave unbound - imports nested in
    functions, ``try`` fallbacks and conditionals: a helper imported inside the function
    that calls it is still used."""
    table: dict[str, str] = {}
    nested: dict[str, str] = {}
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                _bind(small, module_name, is_package, table)
        else:
            for small in _small_statements(statement):
                _bind(small, module_name, is_package, nested)
    return {**nested, **table}


_is_simple = kind_test(cst.SimpleStatementLine, cst.SimpleStatementSuite)


def _small_statements(node: cst.CSTNode) -> Iterator[cst.BaseSmallStatement]:
    for child in child_nodes(node):
        if _is_simple(child):
            yield from cast(Union[cst.SimpleStatementLine, cst.SimpleStatementSuite], child).body
        elif not is_expression(child):  # no import hides in an expression
            yield from _small_statements(child)


def _bind(small: cst.BaseSmallStatement, module_name: str, is_package: bool,
          table: dict[str, str]) -> None:
    if isinstance(small, cst.Import):
        for alias in small.names:
            name = dotted(alias.name) or ""
            local = alias.asname.name.value if alias.asname and \
                isinstance(alias.asname.name, cst.Name) else name.split(".")[0]
            table[local] = name if alias.asname else name.split(".")[0]
    elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        source = dotted(small.module) if small.module else ""
        base = _absolute(module_name, is_package, len(small.relative), source or "")
        for alias in small.names:
            name = dotted(alias.name) or ""
            local = alias.asname.name.value if alias.asname and \
                isinstance(alias.asname.name, cst.Name) else name
            table[local] = f"{base}.{name}" if base else name

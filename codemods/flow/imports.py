"""A module's import table: local name -> fully qualified name, relative imports resolved."""

from __future__ import annotations

import libcst as cst

from codemods.flow.exprs import dotted

__all__ = ["import_table"]


def _absolute(module: str, is_package: bool, relative: int, target: str) -> str:
    if not relative:
        return target
    parts = module.split(".") if module else []
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (relative - 1)] if relative > 1 else base
    return ".".join([*base, target] if target else base)


def import_table(module: cst.Module, module_name: str, is_package: bool) -> dict[str, str]:
    table: dict[str, str] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
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
    return table

"""Dotted module names for a repository's files, as its own imports spell them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ast

__all__ = ["imported_from", "module_of"]


def module_of(path: Path, root: Path, packages: dict[Path, bool] | None = None) -> tuple[str, bool]:
    """(module name, is a package ``__init__``). Parent folders count while they hold an
    ``__init__.py``, so ``src/app/client.py`` in package ``app`` is ``app.client``.
    ``packages`` remembers which folders are packages, for one pass over many files."""
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    folder = path.parent
    known = {} if packages is None else packages

    def package(folder: Path) -> bool:
        if folder not in known:
            known[folder] = (folder / "__init__.py").is_file()
        return known[folder]

    while package(folder) and folder != folder.parent:
        parts.insert(0, folder.name)
        if folder == root:
            break
        folder = folder.parent
    return ".".join(parts) or path.stem, is_package


def imported_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a ``from ... import`` in file ``module`` names: a relative one
    climbs from the file's package, one level per dot after the first."""
    base = module if is_package else module.rpartition(".")[0]
    for _ in range(max(node.level - 1, 0)):
        base = base.rpartition(".")[0]
    return ".".join(p for p in ((base if node.level else ""), node.module or "") if p)

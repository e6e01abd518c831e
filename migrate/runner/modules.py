"""Dotted module names for a repository's files, as its own imports spell them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ast

__all__ = ["imported_from", "module_of"]


def module_of(path: Path, root: Path, packages: dict[Path, str] | None = None) -> tuple[str, bool]:
    """(module name, is a package ``__init__``). Parent folders count while they hold an
    ``__init__.py``, so ``src/app/client.py`` in package ``app`` is ``app.client``.
    ``packages`` remembers each folder's package, for one pass over many files."""
    is_package = path.name == "__init__.py"
    package = _package_of(path.parent, root, {} if packages is None else packages)
    if is_package:
        return package or path.stem, True
    return f"{package}.{path.stem}" if package else path.stem, False


def _package_of(folder: Path, root: Path, known: dict[Path, str]) -> str:
    """The dotted name of the package ``folder`` is ("" when it holds no ``__init__.py``),
    counting the folders above it up to ``root``."""
    found = known.get(folder)
    if found is not None:
        return found
    if folder == folder.parent or not (folder / "__init__.py").is_file():
        found = ""
    elif folder == root:
        found = folder.name
    else:
        above = _package_of(folder.parent, root, known)
        found = f"{above}.{folder.name}" if above else folder.name
    known[folder] = found
    return found


def imported_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a ``from ... import`` in file ``module`` names: a relative one
    climbs from the file's package, one level per dot after the first."""
    base = module if is_package else module.rpartition(".")[0]
    for _ in range(max(node.level - 1, 0)):
        base = base.rpartition(".")[0]
    return ".".join(p for p in ((base if node.level else ""), node.module or "") if p)

"""Dotted module names for a repository's files, as its own imports spell them."""

from __future__ import annotations

from pathlib import Path

__all__ = ["module_of"]


def module_of(path: Path, root: Path) -> tuple[str, bool]:
    """(module name, is a package ``__init__``). Parent folders count while they hold an
    ``__init__.py``, so ``src/app/client.py`` in package ``app`` is ``app.client``."""
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder != folder.parent:
        parts.insert(0, folder.name)
        if folder == root:
            break
        folder = folder.parent
    return ".".join(parts) or path.stem, is_package

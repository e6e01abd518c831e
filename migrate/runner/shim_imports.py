"""Whether code imports ``shim``, read with Python's own parser: the rewritten text of a file
is checked once, in the process that rewrote it, and the answer travels as a fact."""

from __future__ import annotations

import ast
import re
from typing import Optional, Union

__all__ = ["gains_shim", "imports_shim", "python_tree"]


def python_tree(data: bytes) -> Optional[ast.Module]:
    """The module as this Python parses it; None when it does not."""
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# For code this Python cannot parse (newer syntax): an import statement's line.
_IMPORT_LINE = re.compile(rb"^[ \t]*(?:import[ \t]+shim\b|from[ \t]+shim[ \t.])", re.MULTILINE)


def imports_shim(code: Union[ast.Module, bytes]) -> bool:
    tree = python_tree(code) if isinstance(code, bytes) else code
    if tree is None:
        return isinstance(code, bytes) and _IMPORT_LINE.search(code) is not None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.partition(".")[0] == "shim"
                                                for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and not node.level and node.module and \
                node.module.partition(".")[0] == "shim":
            return True
    return False


def gains_shim(original: bytes, new: bytes, new_tree: Optional[ast.Module]) -> bool:
    """The rewrite made the file import ``shim``: it did not before (most files never name
    it, and are not parsed again to say so)."""
    if not imports_shim(new if new_tree is None else new_tree):
        return False
    return b"shim" not in original or not imports_shim(original)

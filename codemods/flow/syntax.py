"""Small readers of LibCST expressions the rewriting codemods share: dotted names, string
literals, and environment reads as written."""

from __future__ import annotations

import libcst as cst

__all__ = ["dotted", "env_literal", "env_variable", "literal_string"]

_ENV_GETTERS = {"os.getenv", "getenv", "os.environ.get", "environ.get"}
_ENV_MAPPINGS = {"os.environ", "environ"}


def literal_string(node: cst.CSTNode | None) -> str | None:
    """The value of a plain or implicitly concatenated string literal (not an f-string)."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def dotted(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for Name/Attribute chains, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr.value}" if inner else None
    return None


def env_literal(node: cst.CSTNode) -> cst.BaseExpression | None:
    """The name argument of ``os.environ["X"]``, ``os.getenv("X")`` or ``os.environ.get("X")``."""
    if isinstance(node, cst.Subscript) and dotted(node.value) in _ENV_MAPPINGS:
        element = node.slice[0].slice if len(node.slice) == 1 else None
        if isinstance(element, cst.Index):
            return element.value
    if isinstance(node, cst.Call) and dotted(node.func) in _ENV_GETTERS and node.args:
        return node.args[0].value
    return None


def env_variable(node: cst.CSTNode) -> str | None:
    """The variable an environment read reads, when it is a literal."""
    return literal_string(env_literal(node))

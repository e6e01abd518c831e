"""Small readers of LibCST trees the analysis and the codemods share: the nodes a node holds,
dotted names, string literals, and environment reads as written."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache

import libcst as cst

__all__ = ["child_nodes", "dotted", "env_literal", "env_variable", "is_node", "literal_string",
           "nodes_in"]


@cache
def _fields(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


_NODE_TYPES: dict[type, bool] = {}


def is_node(value: object) -> bool:
    """``isinstance(value, cst.CSTNode)``, answered once per type: CSTNode is an abstract
    class, and asking it was most of a walk's own time."""
    kind = type(value)
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = _NODE_TYPES[kind] = isinstance(value, cst.CSTNode)
    return found


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes ``node`` holds, read off its fields. LibCST's ``children`` rebuilds the node
    to list them, most of what a walk costs. The order is the fields' order: a statement's
    blocks come in source order (body, handlers, else, finally), its whitespace and
    parentheses may not - fine for walks after statements, or after a set of nodes."""
    for name in _fields(type(node)):
        value = getattr(node, name)
        if is_node(value):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if is_node(item):
                    yield item


def nodes_in(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node under it, in no particular order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(child_nodes(current))

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

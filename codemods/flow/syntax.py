"""Small readers of LibCST trees the analysis and the codemods share: the nodes a node holds,
dotted names, string literals, and environment reads as written."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Union, cast

import libcst as cst

__all__ = ["child_nodes", "definitions", "dotted", "env_literal", "env_variable",
           "is_attribute", "is_definition", "is_expression", "is_node", "kind_test",
           "literal_string", "nodes_in"]


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    found = _FIELDS.get(kind)
    if found is None:
        found = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return found


_NODE_TYPES: dict[type, bool] = {}


def _learn(kind: type) -> bool:
    found = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return found


def is_node(value: object) -> bool:
    """``isinstance(value, cst.CSTNode)``, answered once per type: CSTNode is an abstract
    class, and asking it was most of a walk's own time."""
    found = _NODE_TYPES.get(type(value))
    return _learn(type(value)) if found is None else found


def kind_test(*kinds: type) -> Callable[[object], bool]:
    """``isinstance(value, kinds)``, answered once per type: LibCST's node classes are
    abstract base classes, and asking one costs ten plain ``isinstance`` calls - in a walk's
    test of every node against 18 classes, a sixth of the walk."""
    known: dict[type, bool] = {}

    def test(value: object) -> bool:
        kind = type(value)
        found = known.get(kind)
        if found is None:
            found = known[kind] = issubclass(kind, kinds)
        return found

    return test


is_definition = kind_test(cst.FunctionDef, cst.ClassDef)
is_expression = kind_test(cst.BaseExpression)
is_attribute = kind_test(cst.Attribute)


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes ``node`` holds, read off its fields. LibCST's ``children`` rebuilds the node
    to list them, most of what a walk costs. The order is the fields' order: a statement's
    blocks come in source order (body, handlers, else, finally), its whitespace and
    parentheses may not - fine for walks after statements, or after a set of nodes.
    Written out flat: every walk of the analysis goes through here, for every node."""
    found: list[cst.CSTNode] = []
    known = _NODE_TYPES
    for name in _FIELDS.get(type(node)) or _fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        node_like = known.get(kind)
        if node_like is None:
            node_like = _learn(kind)
        if node_like:
            found.append(value)
        elif kind is tuple or kind is list:
            # The same look-up as above, spelled out again: one loop over a lone value
            # wrapped in a tuple gave the same lists 18% slower.
            for item in value:
                item_kind = type(item)
                item_like = known.get(item_kind)
                if item_like is None:
                    item_like = _learn(item_kind)
                if item_like:
                    found.append(item)
    return found


def definitions(module: cst.Module, module_name: str
                ) -> Iterator[tuple[str, Union[cst.FunctionDef, cst.ClassDef]]]:
    """(qualname, definition) for every function and class definition, outer ones first."""
    def walk(body: cst.CSTNode, prefix: str
             ) -> Iterator[tuple[str, Union[cst.FunctionDef, cst.ClassDef]]]:
        for child in child_nodes(body):
            if is_definition(child):
                definition = cast(Union[cst.FunctionDef, cst.ClassDef], child)
                qualname = f"{prefix}.{definition.name.value}"
                yield qualname, definition
                yield from walk(definition.body, qualname)
            elif not is_expression(child):  # no definition hides in an expression
                yield from walk(child, prefix)
    yield from walk(module, module_name)


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

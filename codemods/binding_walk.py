"""The walk under ``codemods/bindings.py``: the nodes' fields in LibCST's visiting order, the
binding context each field gives its names, and the reading of expressions - names, dotted
names, calls and subscripts of ``typing``, and string annotations, parsed and read as LibCST
reads them. ``Bindings`` adds the statements that open scopes or bind names."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from typing import Optional

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods.binding_scopes import Binding, Read, Scope, binds, give, qualified_names, resolve, sees
from codemods.flow.syntax import is_node, kind_test

__all__ = ["SYNTAX_FIELDS", "NameWalk", "dotted_names", "fields_in_order", "parts_in_order"]

# Fields that only hold whitespace, brackets and punctuation: never a name.
SYNTAX_FIELDS = {"lpar", "rpar", "lbrace", "rbrace", "lbracket", "rbracket", "comma", "semicolon",
           "leading_lines", "lines_after_decorators", "header", "footer", "equal", "colon",
           "first_colon", "second_colon", "dot", "operator", "asynchronous", "posonly_ind",
           "trailing_whitespace", "leading_whitespace", "trailing_comma", "relative"}
# LibCST visits these fields out of their declaration order (source order).
_ORDER: dict[type[cst.CSTNode], tuple[str, ...]] = {
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.ExceptHandler: ("type", "name", "body"), cst.ExceptStarHandler: ("type", "name", "body"),
    cst.IfExp: ("body", "test", "orelse"), cst.MatchCase: ("pattern", "guard", "body")}
# Where a name is bound rather than read (``ExpressionContextProvider``'s STORE), and the
# target that is read (``del``); attributes and subscripts read theirs in their own visitors.
_STORES = {(cst.Assign, "targets"), (cst.AnnAssign, "target"), (cst.AugAssign, "target"),
           (cst.NamedExpr, "target"), (cst.AsName, "name"), (cst.CompFor, "target"),
           (cst.For, "target")}
_LOADS = {cst.Del}
# Statements and parts after which later reads see the binding they made.
_BINDING = (cst.AnnAssign, cst.AsName, cst.Assign, cst.AugAssign, cst.ClassDef, cst.CompFor,
            cst.FunctionDef, cst.Global, cst.Import, cst.ImportFrom, cst.NamedExpr,
            cst.Nonlocal, cst.Parameters, cst.WithItem, cst.TypeVar, cst.TypeAlias,
            cst.TypeVarTuple, cst.ParamSpec)
_binds = kind_test(*_BINDING)


@cache
def fields_in_order(kind: type[cst.CSTNode]) -> tuple[tuple[str, Optional[bool]], ...]:
    """The fields that may hold a name, in LibCST's visiting order, each with the binding
    context it gives its nodes: True (bound), False (read) or None (the parent's)."""
    names = _ORDER.get(kind) or tuple(f.name for f in dataclasses.fields(kind) if not (
        f.name in SYNTAX_FIELDS or f.name.startswith("whitespace")))
    return tuple((name, True if (kind, name) in _STORES else False if kind in _LOADS else None)
                 for name in names)


def parts_in_order(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes ``node`` holds that may hold a name (its ``children`` but for brackets,
    punctuation and whitespace), read off its fields - LibCST's ``children`` rebuilds the node
    to list them - in the order ``fields_in_order`` gives: LibCST's visiting order, but for
    the nodes the binding walk reads by rules of their own (a definition's decorators come
    after its body, an argument's value before its keyword)."""
    found: list[cst.CSTNode] = []
    for name, _ in fields_in_order(type(node)):
        value = getattr(node, name)
        if is_node(value):
            found.append(value)
        elif isinstance(value, (tuple, list)):
            found.extend(item for item in value if is_node(item))
    return found


def dotted_names(node: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]]:
    """``a.b.c`` -> ("a.b.c", a.b.c), ("a.b", a.b), ("a", a); through a call, the callee's."""
    if isinstance(node, cst.Name):
        return [(node.value, node)]
    if not isinstance(node, cst.Attribute):
        return []
    value = node.value
    if isinstance(value, cst.Call):
        return dotted_names(value.func)
    inner = dotted_names(value)
    return [(f"{inner[0][0]}.{node.attr.value}", node), *inner] if inner else []


class NameWalk:
    """The walk's state, and the reading of names and expressions."""

    def __init__(self, tree: cst.Module) -> None:
        self.module = Scope("module", None, tree)
        self.scope = self.module
        self._scopes: dict[int, Scope] = {}
        self._pending: list[tuple[Read, Optional[cst.Attribute], Optional[cst.BaseString]]] = []
        self._attributes: list[Optional[cst.Attribute]] = [None]  # outermost, per call
        self._annotation = [False]
        self._hint = [False]  # inside typing's subscripts and casts: strings are types
        self._literal: set[cst.Subscript] = set()  # Literal["..."] strings are not
        self._string: Optional[cst.BaseString] = None
        self._in_string = 0
        self._visitors: dict[type[cst.CSTNode], Callable[..., None]] = {
            cst.Name: self._name, cst.Attribute: self._attribute, cst.Call: self._call,
            cst.Subscript: self._subscript, cst.Annotation: self._annotated,
            cst.SimpleString: self._simple_string, cst.ConcatenatedString: self._concatenated,
            cst.Arg: self._arg}

    # -- the walk ----------------------------------------------------------------------------
    def _visit(self, node: cst.CSTNode, store: bool) -> None:
        visitor = self._visitors.get(type(node))
        if visitor is not None:
            visitor(node, store)
        else:
            for name, context in fields_in_order(type(node)):
                value = getattr(node, name)
                inner = store if context is None else context
                if is_node(value):
                    self._visit(value, inner)
                elif isinstance(value, (tuple, list)):
                    for item in value:
                        if is_node(item):
                            self._visit(item, inner)
        if _binds(node):
            self.scope.count += 1

    def _bind(self, name: str, node: cst.CSTNode, as_name: cst.CSTNode | None = None) -> None:
        target = binds(self.scope, name)
        target.bindings.setdefault(name, []).append(Binding(name, target, node, as_name))

    def _place(self, name: cst.Name) -> None:
        """Note the scope ``name`` is in; not for the names of a parsed string annotation,
        which are gone (and their ids free for other nodes) once it is read."""
        if not self._in_string:
            self._scopes[id(name)] = self.scope

    def _name(self, node: cst.Name, store: bool) -> None:
        self._place(node)
        if self._in_string:  # names inside a string annotation only ever read
            store = False
        if store:
            self._bind(node.value, node)
        else:
            self._pending.append((Read(node, self.scope), self._attributes[-1], self._string))

    def _attribute(self, node: cst.Attribute, store: bool) -> None:
        if self._attributes[-1] is None:
            self._attributes[-1] = node
        self._visit(node.value, False)
        if self._attributes[-1] is node:
            self._attributes[-1] = None

    def _call(self, node: cst.Call, store: bool) -> None:
        self._attributes.append(None)
        self._hint.append(False)
        names = qualified_names(self.scope, get_full_name_for_node(node))
        self._visit(node.func, store)
        if "typing.NewType" in names or "typing.TypeVar" in names:
            self._hint[-1] = True  # the first argument (the type's name) is not visited
            args = node.args[1:]
        elif "typing.cast" in names and node.args:
            self._hint.append(True)
            self._visit(node.args[0], store)
            self._hint.pop()
            args = node.args[1:]
        else:
            args = node.args
        for arg in args:
            self._visit(arg, store)
        self._attributes.pop()
        self._hint.pop()

    def _subscript(self, node: cst.Subscript, store: bool) -> None:
        hint = False
        if isinstance(node.value, cst.Name):
            names = qualified_names(self.scope, node.value.value)
            hint = any(n.startswith(("typing.", "typing_extensions.")) for n in names)
            if "typing.Literal" in names or "typing_extensions.Literal" in names:
                self._literal.add(node)
        self._hint.append(hint)
        self._visit(node.value, False)
        for element in node.slice:
            self._visit(element, False)
        self._hint.pop()
        self._literal.discard(node)

    def _annotated(self, node: cst.Annotation, store: bool) -> None:
        self._annotation.append(True)
        self._visit(node.annotation, store)
        self._annotation.pop()

    def _string_type(self, node: cst.SimpleString | cst.ConcatenatedString) -> bool:
        """A string in an annotation or a typing construct is a type: parse it and read the
        names in it (the string node stands for them)."""
        if not (self._hint[-1] or self._annotation[-1]) or self._literal:
            return False
        value = node.evaluated_value
        if not value:
            return False
        outermost = self._string is None
        if outermost:
            self._string = node
        self._in_string += 1
        try:
            self._visit(cst.parse_module(value), False)
        except cst.ParserSyntaxError:
            pass  # not a type after all, as for Python
        finally:
            self._in_string -= 1
        if outermost:
            self._string = None
        return True

    def _simple_string(self, node: cst.SimpleString, store: bool) -> None:
        self._string_type(node)

    def _concatenated(self, node: cst.ConcatenatedString, store: bool) -> None:
        if not self._string_type(node):
            self._visit(node.left, store)
            self._visit(node.right, store)

    def _arg(self, node: cst.Arg, store: bool) -> None:
        self._visit(node.value, store)  # a keyword names a parameter, not a variable

    # -- reads to bindings ---------------------------------------------------------------------
    def _settle(self) -> None:
        """Each read goes to the bindings its scope sees; a read of ``a.b.c`` is a read of
        the longest dotted prefix bound (``import a.b`` binds ``a.b`` too)."""
        groups: dict[tuple[int, str], tuple[Scope, list[Read]]] = {}
        for read, attribute, string in self._pending:
            assert isinstance(read.node, cst.Name)
            name = read.node.value
            if attribute is not None:
                for dotted, node in dotted_names(attribute):
                    if sees(read.scope, dotted):
                        read.node, name = node, dotted
                        break
            if string is not None:
                read.node = string
            groups.setdefault((id(read.scope), name), (read.scope, []))[1].append(read)
        for (_, name), (scope, reads) in groups.items():
            for binding in list(resolve(scope, name, scope)):
                give(binding, reads)

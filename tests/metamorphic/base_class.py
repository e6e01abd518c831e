"""move-to-base: a client's signing methods and the credential attributes its ``__init__``
sets, moved to a base class in a new module."""

from __future__ import annotations

import random

import libcst as cst

from tests.metamorphic.anatomy import credential_role
from tests.metamorphic.references import is_plain_method
from tests.metamorphic.relocate import (
    carry,
    dotted,
    local_bases,
    module_path,
    movable,
    new_module,
    relocate_methods,
    signing_methods,
)
from tests.metamorphic.syntax import Edits, Parsed, Tree, package_of, parse_tree, stmt, walk, with_imports


def credential_statements(parsed: Parsed, init: cst.FunctionDef) -> list[cst.SimpleStatementLine]:
    found = []
    for statement in init.body.body:
        if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
                and isinstance(statement.body[0], cst.Assign)
                and len(statement.body[0].targets) == 1):
            continue
        target = statement.body[0].targets[0].target
        elements = target.elements if isinstance(target, cst.Tuple) else [cst.Element(target)]
        if any(isinstance(e.value, cst.Attribute) and isinstance(e.value.value, cst.Name)
               and e.value.value.value == "self" for e in elements) and any(
                   _holds_credential(a, v) for a, v in _pairs(statement) or []):
            found.append(statement)
    return found


Pair = tuple[str, cst.BaseExpression]


def _pairs(statement: cst.SimpleStatementLine) -> list[Pair] | None:
    """The ``(attribute, value)`` pairs of ``self.a[, self.b] = x[, y]``."""
    assign = statement.body[0]
    assert isinstance(assign, cst.Assign)
    target, value = assign.targets[0].target, assign.value
    if isinstance(target, cst.Tuple):
        if not isinstance(value, cst.Tuple) or len(value.elements) != len(target.elements):
            return None
        pairs = list(zip([e.value for e in target.elements], [e.value for e in value.elements]))
    else:
        pairs = [(target, value)]
    found = []
    for attribute, assigned in pairs:
        if not (isinstance(attribute, cst.Attribute) and isinstance(attribute.value, cst.Name)
                and attribute.value.value == "self"):
            return None
        found.append((attribute.attr.value, assigned))
    return found


def _holds_credential(attribute: str, value: cst.BaseExpression) -> bool:
    """An attribute set from a credential (not from other state of ``self``)."""
    names = [n for n in walk(value) if isinstance(n, cst.Name)]
    if any(n.value == "self" for n in names):
        return False
    attributes = {id(n.attr) for n in walk(value) if isinstance(n, cst.Attribute)}
    return bool(credential_role(attribute)) or any(
        credential_role(n.value) for n in names if id(n) not in attributes)


def split_credentials(parsed: Parsed,
                      statement: cst.SimpleStatementLine) -> tuple[list[Pair], list[Pair]] | None:
    """(credential, other) attribute assignments of one ``self.a[, self.b] = x[, y]`` line."""
    pairs = _pairs(statement)
    if pairs is None:
        return None
    return ([p for p in pairs if _holds_credential(*p)],
            [p for p in pairs if not _holds_credential(*p)])


def move_to_base(tree: Tree, rng: random.Random) -> Tree | None:
    """Move a client class's signing methods and the credential attributes its ``__init__``
    sets to a base class in a new module of its package; ``__init__`` calls the base's."""
    modules = parse_tree(tree)
    candidates = []
    for path, parsed in modules.items():
        for cls in parsed.classes():
            init = next((s for s in cls.body.body if isinstance(s, cst.FunctionDef)
                         and s.name.value == "__init__" and is_plain_method(s)), None)
            methods = signing_methods(parsed, cls)
            if "/" not in path or init is None or not movable(parsed, methods) \
                    or not local_bases(modules, cls, parsed):
                continue
            statements = credential_statements(parsed, init)
            parts = [split_credentials(parsed, s) for s in statements]
            if not statements or any(p is None for p in parts):
                continue
            carried = carry(modules, parsed, [*methods, *statements], keep=cls)
            if carried is not None and (methods or statements):
                candidates.append((path, parsed, cls, init, methods, statements, parts, carried))
    if not candidates:
        return None
    path, parsed, cls, init, methods, statements, parts, (moved, imports) = rng.choice(candidates)
    params = {p.name.value for p in init.params.params}
    credentials = [pair for part in parts for pair in part[0]]  # type: ignore[index]
    used = []
    for _, value in credentials:
        for node in walk(value):
            if isinstance(node, cst.Name) and node.value in params and node.value not in used:
                used.append(node.value)
            elif isinstance(node, cst.Name) and parsed.is_local(node):
                return None
    body_lines = "".join(f"    self.{attribute} = {parsed.code(value)}\n"
                         for attribute, value in credentials)
    name = rng.choice(("WalmartClientBase", "SignedClient", "LegacyAuthBase"))
    init_def = stmt(f"def __init__({', '.join(['self', *used])}):\n{body_lines}")
    body = [init_def.with_changes(leading_lines=[]),
            *[m.with_changes(leading_lines=[cst.EmptyLine(indent=False)]) for m in methods]]
    base_class = cst.ClassDef(cst.Name(name), cst.IndentedBlock(body=body))
    call = (f"super().__init__({', '.join(used)})" if rng.random() < .7
            else f"{name}.__init__(self, {', '.join(used)})")
    edits = Edits()
    for index, (statement, part) in enumerate(zip(statements, parts)):
        others = part[1]  # type: ignore[index]
        replacement = [stmt(call)] if index == 0 else []
        if others:
            targets = ", ".join(f"self.{a}" for a, _ in others)
            values = ", ".join(parsed.code(v) for _, v in others)
            replacement.append(stmt(f"{targets} = {values}"))
        if replacement:
            replacement[0] = replacement[0].with_changes(leading_lines=statement.leading_lines)
            edits.sub(statement, cst.FlattenSentinel(replacement))
        else:
            edits.remove(statement)
    new_init = edits.apply(init)
    if call.startswith(name):
        # The base is referenced by name: bind that name where the call is made.
        return _relocate_named(tree, rng, path, parsed, cls, methods, moved, imports, base_class,
                               init, new_init)
    return relocate_methods(tree, rng, path, parsed, cls, methods, moved, imports, base_class,
                     first=True, docstring="The part of the API client that signs requests.",
                     init=init, new_init=new_init)


def _relocate_named(tree: Tree, rng: random.Random, path: str, parsed: Parsed,
                    cls: cst.ClassDef, methods: list[cst.FunctionDef],
                    moved: list[cst.BaseStatement], imports: list[str], base_class: cst.ClassDef,
                    init: cst.FunctionDef, new_init: cst.FunctionDef) -> Tree:
    """move-to-base with ``Base.__init__(self, ...)``: the base imported under its own name."""
    name = base_class.name.value
    if name in parsed.names:
        return relocate_methods(tree, rng, path, parsed, cls, methods, moved, imports, base_class,
                         first=True, docstring="The part of the API client that signs requests.",
                         init=init, new_init=new_init)
    target = module_path(tree, package_of(path), rng)
    result = dict(tree)
    result[target] = new_module(imports, [*moved, base_class],
                                "The part of the API client that signs requests.")
    edits = Edits()
    for statement in [*moved, *methods]:
        edits.remove(statement)
    edits.sub(init, new_init)

    def with_base(node: cst.ClassDef) -> cst.ClassDef:
        bases = [cst.Arg(cst.Name(name)), *node.bases]
        bases = [b.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                 for b in bases[:-1]] + [bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        return node.with_changes(bases=bases, lpar=cst.LeftParen(), rpar=cst.RightParen())

    edits.sub(cls, with_base)
    line = f"from {dotted(target)} import {name}"
    result[path] = with_imports(edits.apply(parsed.module), [line]).code
    return result

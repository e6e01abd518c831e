"""Who calls a function or method across a seller tree, and what a function body binds."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata.scope_provider import Assignment, FunctionScope

from tests.metamorphic.syntax import Parsed, alias_name, walk


@dataclass
class Site:
    path: str
    call: cst.Call
    via: str  # name | attribute | self
    alias: cst.ImportFrom | None = None  # the import that brought the name in


def _call_of(parsed: Parsed, func: cst.CSTNode) -> cst.Call | None:
    parent = parsed.parent(func)
    return parent if isinstance(parent, cst.Call) and parent.func is func else None


def base_names(parsed: Parsed, cls: cst.ClassDef) -> list[str]:
    """The names of a class's bases, through any import alias."""
    names = []
    for base in cls.bases:
        qualified = parsed.qname(base.value) or parsed.code(base.value)
        names.append(qualified.split(".")[-1])
    return names


def _edges(modules: dict[str, Parsed]) -> set[tuple[str, str]]:
    return {(c.name.value, base) for p in modules.values() for c in p.classes()
            for base in base_names(p, c)}


def ancestors(modules: dict[str, Parsed], name: str) -> set[str]:
    """A class and the tree's classes it derives from, by name."""
    edges, found, grew = _edges(modules), {name}, True
    while grew:
        grew = False
        for child, parent in edges:
            if child in found and parent not in found:
                found.add(parent)
                grew = True
    return found


def class_family(modules: dict[str, Parsed], name: str) -> set[str]:
    """A class, its ancestors and its descendants in the tree, by name."""
    edges, family, grew = _edges(modules), {name}, True
    while grew:
        grew = False
        for child, parent in edges:
            for new in ({parent} if child in family else set()) | ({child} if parent in family else set()):
                if new not in family:
                    family.add(new)
                    grew = True
    return family


def _class_family(modules: dict[str, Parsed], cls: cst.ClassDef) -> set[str]:
    """The class and the tree's classes deriving from it, by name."""
    family = {cls.name.value}
    grew = True
    while grew:
        grew = False
        for parsed in modules.values():
            for other in parsed.classes():
                bases = set(base_names(parsed, other))
                if other.name.value not in family and bases & family:
                    family.add(other.name.value)
                    grew = True
    return family


def call_sites(modules: dict[str, Parsed], path: str, function: cst.FunctionDef,
               cls: cst.ClassDef | None) -> list[Site] | None:
    """Every call of ``function``; None when it is referenced in any other way."""
    name = function.name.value
    sites: list[Site] = []
    if cls is not None:
        family = _class_family(modules, cls)
        for other_path, parsed in modules.items():
            for other_fn, _ in parsed.functions():
                if other_fn.name.value == name and other_fn is not function:
                    return None  # overridden or homonymous: not provably this method
            for node in parsed.find(cst.Attribute):
                if node.attr.value != name:
                    continue
                call = _call_of(parsed, node)
                owner = parsed.class_of(node)
                if (call is None or not isinstance(node.value, cst.Name) or node.value.value != "self"
                        or owner is None or owner.name.value not in family):
                    return None
                sites.append(Site(other_path, call, "self"))
        return sites
    home = modules[path]
    for assignment in home.global_assignments(name):
        for reference in sorted(assignment.references,
                                key=lambda r: home.order.get(id(r.node), -1)):
            call = _call_of(home, reference.node)
            if call is None:
                return None
            sites.append(Site(path, call, "name"))
    for other_path, parsed in modules.items():
        if other_path == path:
            continue
        for node in parsed.find(cst.ImportFrom):
            if isinstance(node.names, cst.ImportStar) or parsed.absolute(node) != home.name:
                continue
            for alias in node.names:
                if parsed.code(alias.name) != name:
                    continue
                for assignment in parsed.global_assignments(alias_name(alias)):
                    for reference in sorted(assignment.references,
                                            key=lambda r: parsed.order.get(id(r.node), -1)):
                        call = _call_of(parsed, reference.node)
                        if call is None:
                            return None
                        sites.append(Site(other_path, call, "name", node))
        for node in parsed.find(cst.Attribute):
            if parsed.qname(node) == f"{home.name}.{name}":
                call = _call_of(parsed, node)
                if call is None:
                    return None
                sites.append(Site(other_path, call, "attribute"))
    return sites


def imports_of(modules: dict[str, Parsed], home: Parsed,
               name: str) -> list[tuple[str, cst.ImportFrom]]:
    """Every ``from <home> import <name>`` in the tree, used or not."""
    found = []
    for path, parsed in modules.items():
        for node in parsed.find(cst.ImportFrom):
            if not isinstance(node.names, cst.ImportStar) and parsed.absolute(node) == home.name \
                    and any(parsed.code(a.name) == name for a in node.names):
                found.append((path, node))
    return found


def locals_of(parsed: Parsed, function: cst.FunctionDef) -> dict[str, list[Assignment]]:
    """The names a function binds in its own scope (parameters included)."""
    scope = parsed.scope(function.body)
    if not isinstance(scope, FunctionScope):
        return {}
    found: dict[str, list[Assignment]] = {}
    for assignment in scope.assignments:
        if isinstance(assignment, Assignment):
            found.setdefault(assignment.name, []).append(assignment)
    return found


def reads_of(parsed: Parsed, assignment: Assignment) -> list[cst.CSTNode]:
    return sorted((r.node for r in assignment.references),
                  key=lambda n: parsed.order.get(id(n), -1))


def simple_assign(statement: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
    """``name = value`` on a line of its own."""
    if (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Assign) and len(statement.body[0].targets) == 1
            and isinstance(statement.body[0].targets[0].target, cst.Name)):
        return statement.body[0].targets[0].target.value, statement.body[0].value
    return None


def has_any(node: cst.CSTNode, *kinds: type) -> bool:
    return any(isinstance(n, kinds) for n in walk(node))


def first_param(function: cst.FunctionDef) -> str | None:
    params = function.params.params
    return params[0].name.value if params else None


def is_plain_method(function: cst.FunctionDef) -> bool:
    return not function.decorators and first_param(function) == "self"

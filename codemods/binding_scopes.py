"""The scopes of one module and the bindings in them, with the lookup rules the codemods
rely on: which binding a name read from some scope reaches, and which reads each binding has.

The rules are LibCST's ``ScopeProvider``'s, kept exactly, since the codemods' output was
settled against its answers; where they part from Python's own rules it is noted below and
at the walk (``codemods/bindings.py``). The most visible one: a read counts for a binding of
the same scope only when it comes after it in the walk (``Binding.index`` against
``Read.index``); an earlier read goes to the bindings the enclosing scope sees instead, even
in a loop, where Python would reach the later binding on the next pass.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable

import libcst as cst
from libcst.helpers import get_full_name_for_node

__all__ = ["Binding", "Read", "Scope", "binds", "give", "qualified_names", "resolve", "sees"]


class Scope:
    """A module, class, function (or lambda), comprehension, or the scope of type
    parameters ("annotation")."""

    __slots__ = ("bindings", "count", "kind", "module", "node", "overrides", "parent", "prefix")

    def __init__(self, kind: str, parent: Scope | None, node: cst.CSTNode,
                 name: str | None = None) -> None:
        self.kind, self.parent, self.node = kind, parent, node
        self.module: Scope = parent.module if parent is not None else self
        self.bindings: dict[str, list[Binding]] = {}
        self.count = 0  # binding statements left so far: orders reads against bindings
        self.overrides: dict[str, Scope] = {}  # global / nonlocal declarations
        above = parent.prefix if parent is not None else ""
        # The qualified-name prefix, as LibCST spells it (only the typing checks read it).
        parts: dict[str, list[str | None]] = {
            "module": [], "function": [above, name, "<locals>"], "class": [above, name],
            "comprehension": [above, "<comprehension>"], "annotation": [above]}
        self.prefix: str = ".".join(p for p in parts[kind] if p)

    def own(self, name: str) -> list[Binding]:
        """The bindings of ``name`` made in this scope itself (a name declared global or
        nonlocal here is bound in the scope it names, not here)."""
        return self.bindings.get(name, [])


class Binding:
    """One binding of a name: its node (the Name, Param, def, class or import statement),
    its scope, and the reads that reach it."""

    __slots__ = ("as_name", "index", "name", "node", "reads_by", "scope")

    def __init__(self, name: str, scope: Scope, node: cst.CSTNode,
                 as_name: cst.CSTNode | None = None) -> None:
        self.name, self.scope, self.node, self.as_name = name, scope, node, as_name
        self.index = scope.count
        self.reads_by: set[Read] = set()

    @property
    def reads(self) -> list[cst.CSTNode]:
        """The nodes that read it: a Name, the Attribute of a dotted import read whole
        (``os.path`` after ``import os.path``), or a string annotation naming it."""
        return [read.node for read in self.reads_by]


class Read:
    __slots__ = ("index", "node", "scope")

    def __init__(self, node: cst.CSTNode, scope: Scope) -> None:
        self.node, self.scope, self.index = node, scope, scope.count


def _visible_parent(scope: Scope, seen_from: Scope, first: Scope | None = None) -> Scope | None:
    """A class body does not enclose the functions and comprehensions in it; only the scope
    of its own type parameters sees it."""
    parent = first if first is not None else scope.parent
    while parent is not None and parent.kind == "class" and not (
            seen_from.parent is parent and seen_from.kind == "annotation"):
        parent = parent.parent
    return parent


def sees(scope: Scope | None, name: str) -> bool:
    """Whether ``name`` is bound anywhere ``scope`` looks (the builtins included)."""
    if scope is None:
        return hasattr(builtins, name)
    if name in scope.overrides:
        return sees(scope.overrides[name], name)
    if scope.bindings.get(name):
        return True
    return sees(_visible_parent(scope, scope) if scope.kind != "module" else None, name)


def resolve(scope: Scope | None, name: str, seen_from: Scope) -> list[Binding]:
    """The bindings a read of ``name`` in ``seen_from`` may reach, looked up from ``scope``
    (the builtins' own are left out: no query asks for them)."""
    if scope is None:
        return []
    if name in scope.overrides:
        return resolve(_visible_parent(scope, seen_from, scope.overrides[name]), name, seen_from)
    if name in scope.bindings:
        return scope.bindings[name]
    return resolve(_visible_parent(scope, seen_from) if scope.kind != "module" else None,
                   name, seen_from)


def binds(scope: Scope, name: str) -> Scope:
    """The scope a binding of ``name`` made in ``scope`` lands in."""
    if name in scope.overrides:
        target = _visible_parent(scope, scope, scope.overrides[name])
        assert target is not None
        return binds(target, name)
    return scope


def give(binding: Binding, reads: Iterable[Read]) -> None:
    """Reads from another scope all reach the binding; reads of its own scope only when
    they come after it, the earlier ones going to what the enclosing scope binds."""
    earlier = []
    for read in reads:
        if read.scope is not binding.scope or binding.index < read.index:
            binding.reads_by.add(read)
        else:
            earlier.append(read)
    parent = binding.scope.parent
    if earlier and parent is not None:
        for shadowed in list(resolve(parent, binding.name, parent)):
            give(shadowed, earlier)


def _imported_names(binding: Binding, full_name: str) -> set[str]:
    """What ``full_name`` means through an import binding: LibCST's reading, kept whole."""
    node = binding.node
    assert isinstance(node, (cst.Import, cst.ImportFrom))
    module = ""
    if isinstance(node, cst.ImportFrom):
        if node.module:
            module = get_full_name_for_node(node.module) or ""
        if node.relative:
            module = "." * len(node.relative) + module
    found: set[str] = set()
    if isinstance(node.names, cst.ImportStar):
        return found
    for alias in node.names:
        real = get_full_name_for_node(alias.name)
        if not real:
            continue
        parts = real.split(".")
        for real_name in [".".join(parts[:i]) for i in range(len(parts), 0, -1)]:
            as_name = real_name
            if module and module.endswith("."):
                real_name = f"{module}{real_name}"
            elif module:
                real_name = f"{module}.{real_name}"
            if alias.asname and alias.evaluated_alias is not None:
                as_name = alias.evaluated_alias
            if full_name.startswith(as_name):
                rest = full_name.split(as_name, 1)[1]
                if rest and not rest.startswith("."):
                    continue
                rest = rest.lstrip(".")
                found.add(f"{real_name}.{rest}" if rest else real_name)
                break
    return found


def qualified_names(scope: Scope, full_name: str | None) -> set[str]:
    """The qualified names ``full_name`` may stand for, read from ``scope`` as the walk has
    it so far: only for telling ``typing.cast``, ``typing.TypeVar`` and the like apart."""
    prefix: str | None = full_name
    found: list[Binding] = []
    while prefix:
        if sees(scope, prefix):
            found = resolve(scope, prefix, scope)
            break
        dot = prefix.rfind(".")
        prefix = None if dot == -1 else prefix[:dot]
    names: set[str] = set()
    for binding in found:
        if binding.as_name is not None:
            names |= _imported_names(binding, full_name or "")
        else:
            local = binding.scope.prefix
            names.add(f"{local}.{full_name}" if local else full_name or "")
    return names

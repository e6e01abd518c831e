"""LibCST plumbing the refactorings share: one parsed and analysed module per source text,
node edits applied in a single pass, fresh names, and imports carried between modules."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, Callable, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider
from libcst.metadata.scope_provider import (
    Access,
    Assignment,
    BaseAssignment,
    ComprehensionScope,
    FunctionScope,
    ImportAssignment,
    Scope,
)

from codemods.flow.syntax import child_nodes

Tree = dict[str, str]  # relative path -> source text of one seller repository

Replacement = Union[cst.CSTNode, Callable[[Any], Any], cst.RemovalSentinel, "cst.FlattenSentinel[Any]"]


def module_name(path: str) -> str:
    name = path[:-3].replace("/", ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def package_of(path: str) -> str:
    return "/".join(path.split("/")[:-1])


def children_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    """A node's children, read from its fields (cheaper than ``node.children``)."""
    return list(child_nodes(node))


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (itself included), parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children_of(current)))


def names_in(node: cst.CSTNode) -> set[str]:
    return {n.value for n in walk(node) if isinstance(n, cst.Name)}


def fresh(taken: set[str], *candidates: str) -> str:
    """The first candidate not already used as a name; numbered when all are."""
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    number = 2
    while f"{candidates[0]}_{number}" in taken:
        number += 1
    return f"{candidates[0]}_{number}"


def expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def stmt(code: str) -> cst.BaseStatement:
    return cst.parse_statement(code)


def stmts(code: str) -> list[cst.BaseStatement]:
    return list(cst.parse_module(code).body)


class Parsed:
    """One module of a seller tree with the metadata the refactorings read."""

    def __init__(self, path: str, source: str) -> None:
        self.path = path
        self.name = module_name(path)
        self.source = source
        self.module = cst.parse_module(source)
        self._kids: dict[int, list[cst.CSTNode]] = {}
        self._parents: dict[int, cst.CSTNode] = {}
        self.order: dict[int, int] = {}
        stack: list[cst.CSTNode] = [self.module]
        while stack:
            node = stack.pop()
            self.order[id(node)] = len(self.order)
            kids = self._kids[id(node)] = children_of(node)
            for kid in kids:
                self._parents[id(kid)] = node
            stack.extend(reversed(kids))
        self._scopes = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(ScopeProvider)
        self.names = {n.value for n in self.walk(self.module) if isinstance(n, cst.Name)}
        self.accesses: dict[int, Access] = {
            id(access.node): access
            for scope in {s for s in self._scopes.values() if s is not None}
            for access in scope.accesses}
        self.memo: dict[Any, Any] = {}

    def walk(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        stack = [node]
        while stack:
            current = stack.pop()
            yield current
            kids = self._kids.get(id(current))
            stack.extend(reversed(kids if kids is not None else children_of(current)))

    def referents(self, name: cst.CSTNode) -> list[BaseAssignment]:
        """What a read of a name refers to (empty for a name that is not a read)."""
        access = self.accesses.get(id(name))
        return self.sorted_assignments(access.referents) if access else []

    def is_local(self, name: cst.CSTNode, outside: cst.CSTNode | set[int] | None = None) -> bool:
        """A read of a function's parameter or local (bound outside ``outside``, a node or
        the ids of its nodes)."""
        if isinstance(outside, cst.CSTNode):
            outside = {id(n) for n in self.walk(outside)}
        inside = outside or set()
        return any(isinstance(a.scope, (FunctionScope, ComprehensionScope))
                   and id(getattr(a, "node", None)) not in inside for a in self.referents(name))

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(id(node))

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def qname(self, node: cst.CSTNode) -> str | None:
        """The dotted name a name or attribute chain stands for, through the module's
        imports (``b64.b64encode`` after ``import base64 as b64`` is ``base64.b64encode``)."""
        parts: list[str] = []
        while isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name):
            return None
        root = node.value
        imported = [a for a in self.referents(node) if isinstance(a, ImportAssignment)]
        if imported:
            root = self._imported_as(imported[0])
        return ".".join([root, *reversed(parts)])

    def _imported_as(self, assignment: ImportAssignment) -> str:
        node = assignment.node
        if isinstance(node, cst.Import):
            for alias in node.names:
                if alias_name(alias) == assignment.name:
                    return self.code(alias.name) if alias.asname else assignment.name
                if self.code(alias.name) == assignment.name:
                    return alias_name(alias)  # import a.b: the name a is module a
        elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                if alias_name(alias) == assignment.name:
                    return f"{self.absolute(node)}.{self.code(alias.name)}"
        return assignment.name

    def scope(self, node: cst.CSTNode) -> Scope | None:
        return self._scopes.get(node)

    @property
    def globals(self) -> Scope:
        scope = self._scopes[self.module]
        assert scope is not None
        return scope

    def sorted(self, nodes: Sequence[cst.CSTNode] | set[Any]) -> list[Any]:
        return sorted(nodes, key=lambda n: self.order.get(id(n), -1))

    def find(self, kind: type[Any], within: cst.CSTNode | None = None) -> list[Any]:
        return [n for n in self.walk(within or self.module) if isinstance(n, kind)]

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement:
        """The statement holding ``node`` that sits directly in a block."""
        current: cst.CSTNode = node
        for parent in self.ancestors(node):
            if isinstance(parent, (cst.Module, cst.IndentedBlock)) and isinstance(
                    current, cst.BaseStatement):
                return current
            current = parent
        raise ValueError("node is not inside a statement")

    def function_of(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        return next((a for a in self.ancestors(node) if isinstance(a, cst.FunctionDef)), None)

    def class_of(self, node: cst.CSTNode) -> cst.ClassDef | None:
        return next((a for a in self.ancestors(node) if isinstance(a, cst.ClassDef)), None)

    def top_level(self, node: cst.CSTNode) -> cst.BaseStatement:
        """The module-level statement holding ``node``."""
        current: cst.CSTNode = node
        for parent in self.ancestors(node):
            if isinstance(parent, cst.Module):
                break
            current = parent
        assert isinstance(current, cst.BaseStatement)
        return current

    def functions(self) -> list[tuple[cst.FunctionDef, cst.ClassDef | None]]:
        """Module-level functions and the methods of module-level classes."""
        found: list[tuple[cst.FunctionDef, cst.ClassDef | None]] = []
        for statement in self.module.body:
            if isinstance(statement, cst.FunctionDef):
                found.append((statement, None))
            elif isinstance(statement, cst.ClassDef):
                found.extend((s, statement) for s in statement.body.body
                             if isinstance(s, cst.FunctionDef))
        return found

    def classes(self) -> list[cst.ClassDef]:
        return [s for s in self.module.body if isinstance(s, cst.ClassDef)]

    def global_assignments(self, name: str) -> list[BaseAssignment]:
        return self.sorted_assignments(self.globals.assignments[name])

    def sorted_assignments(self, assignments: Any) -> list[BaseAssignment]:
        return sorted(assignments,
                      key=lambda a: (self.order.get(id(getattr(a, "node", None)), -1), a.name))

    def globals_used(self, node: cst.CSTNode) -> list[BaseAssignment]:
        """Module-level bindings that code under ``node`` reads."""
        inside = {id(n) for n in self.walk(node)}
        used = [a for a in self.globals.assignments
                if any(id(r.node) in inside for r in a.references)]
        return self.sorted_assignments(used)

    def import_line(self, assignment: BaseAssignment) -> str:
        """The import statement, alone, that binds ``assignment``'s name."""
        assert isinstance(assignment, ImportAssignment)
        node = assignment.node
        if isinstance(node, cst.Import):
            for alias in node.names:
                if assignment.name in (alias_name(alias), self.code(alias.name)):
                    return f"import {self.code(alias.name)}" + (
                        f" as {alias_name(alias)}" if alias.asname else "")
        assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
        source = self.absolute(node)
        for alias in node.names:
            if alias_name(alias) == assignment.name:
                bound = f" as {alias_name(alias)}" if alias.asname else ""
                return f"from {source} import {self.code(alias.name)}{bound}"
        raise ValueError(f"no import binds {assignment.name}")

    def absolute(self, node: cst.ImportFrom) -> str:
        module = self.code(node.module) if node.module else ""
        if not node.relative:
            return module
        package = self.name.split(".")
        if not self.path.endswith("__init__.py"):
            package = package[:-1]
        package = package[: len(package) - len(node.relative) + 1]
        return ".".join([*package, module] if module else package)


def alias_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        assert isinstance(alias.asname.name, cst.Name)
        return alias.asname.name.value
    name = alias.name
    while isinstance(name, cst.Attribute):
        name = name.value  # type: ignore[assignment]
    assert isinstance(name, cst.Name)
    return name.value


@functools.lru_cache(maxsize=1024)
def parse(path: str, source: str) -> Parsed:
    return Parsed(path, source)


def parse_tree(tree: Tree) -> dict[str, Parsed]:
    return {p: parse(p, s) for p, s in sorted(tree.items()) if p.endswith(".py")}


def is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)


def is_docstring(statement: cst.CSTNode) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def after_imports(module: cst.Module) -> int:
    """Where module-level code may go: after the docstring and the leading imports."""
    index = 0
    for i, statement in enumerate(module.body):
        if is_import(statement) or (i == 0 and is_docstring(statement)):
            index = i + 1
        else:
            break
    return index


def with_imports(module: cst.Module, lines: Sequence[str]) -> cst.Module:
    """``module`` with each import line added after its imports, unless already there."""
    present = {module.code_for_node(s).strip() for s in module.body if is_import(s)}
    new = []
    for line in lines:
        if line not in present and line not in new:
            new.append(line)
    if not new:
        return module
    index = after_imports(module)
    added = [stmt(line) for line in new]
    return module.with_changes(body=[*module.body[:index], *added, *module.body[index:]])


def insert_top(module: cst.Module, statements: Sequence[cst.BaseStatement],
               before: cst.CSTNode | None = None) -> cst.Module:
    """Module-level statements, before the given top-level statement or after the imports."""
    body = list(module.body)
    index = next((i for i, s in enumerate(body) if s is before), None) if before else None
    if index is None:
        index = after_imports(module)
    return module.with_changes(body=[*body[:index], *statements, *body[index:]])


def bound_names(statement: cst.CSTNode) -> set[str]:
    """Names a module-level statement binds (definitions, assignments, imports)."""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return {statement.name.value}
    names: set[str] = set()
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(
                    small.names, cst.ImportStar):
                names.update(alias_name(a) for a in small.names)
            elif isinstance(small, cst.Assign):
                for target in small.targets:
                    names.update(n.value for n in walk(target.target) if isinstance(n, cst.Name))
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                names.add(small.target.value)
    return names


class Edits(cst.CSTTransformer):
    """Replacements, removals and statement insertions keyed by original node, in one pass.

    A replacement is a node, or a function of the updated node (so edits nest)."""

    def __init__(self) -> None:
        super().__init__()
        self.replace: dict[int, Replacement] = {}
        self.before: dict[int, list[cst.CSTNode]] = defaultdict(list)
        self.after: dict[int, list[cst.CSTNode]] = defaultdict(list)
        self.keep: list[cst.CSTNode] = []  # holds the keys' nodes alive

    def sub(self, node: cst.CSTNode, new: Replacement) -> None:
        self.keep.append(node)
        self.replace[id(node)] = new

    def remove(self, node: cst.CSTNode) -> None:
        self.sub(node, cst.RemovalSentinel.REMOVE)

    def insert_before(self, node: cst.CSTNode, *new: cst.CSTNode) -> None:
        self.keep.append(node)
        self.before[id(node)].extend(new)

    def insert_after(self, node: cst.CSTNode, *new: cst.CSTNode) -> None:
        self.keep.append(node)
        self.after[id(node)].extend(new)

    def on_leave(self, original: Any, updated: Any) -> Any:
        key = id(original)
        if key in self.replace:
            new = self.replace[key]
            if isinstance(new, cst.RemovalSentinel):
                if key in self.before or key in self.after:
                    return cst.FlattenSentinel([*self.before[key], *self.after[key]])
                return new
            updated = new(updated) if callable(new) else new
            if isinstance(updated, cst.FlattenSentinel):
                return updated
        if key in self.before or key in self.after:
            return cst.FlattenSentinel([*self.before[key], updated, *self.after[key]])
        return updated

    def apply(self, node: Any) -> Any:
        return node.visit(self)


def renamed_params(function: cst.FunctionDef, drop_first: bool) -> cst.Parameters:
    params = function.params
    return params.with_changes(params=params.params[1:]) if drop_first else params


def last_use_index(body: Sequence[cst.CSTNode], names: set[str]) -> int:
    """Index of the last statement in ``body`` that binds any of ``names`` (-1 if none)."""
    return max((i for i, s in enumerate(body) if bound_names(s) & names), default=-1)


def assignments_of(scope: Scope, name: str) -> list[Assignment]:
    return [a for a in scope.assignments[name] if isinstance(a, Assignment)]


def parenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    if node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])

"""Remove what the rewrite left dead, and only that: the signature and timestamp locals and
the key loading that fed them, signing helpers no caller needs any more, legacy header-name
constants, and the crypto, subprocess and time imports they used - when nothing else does."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.helpers import get_absolute_module_from_package_for_import
from libcst.metadata import MetadataWrapper, ScopeProvider

from codemods.base import WalmartCodemod
from codemods.flow.exprs import env_variable, literal_string
from codemods.flow.plan import RepoPlan
from codemods.names import LEGACY, MARKERS
from codemods.work import module_name_of, note_removed, plan_of, removed_names

__all__ = ["RemoveDeadSigning"]

_MAX_ROUNDS = 8


def _qualified_defs(module: cst.Module, module_name: str) -> Iterator[tuple[str, cst.CSTNode, str]]:
    """(qualname, FunctionDef/ClassDef node, kind) for every definition."""
    def walk(body: cst.CSTNode, prefix: str) -> Iterator[tuple[str, cst.CSTNode, str]]:
        for child in body.children:
            if isinstance(child, (cst.FunctionDef, cst.ClassDef)):
                qualname = f"{prefix}.{child.name.value}"
                yield qualname, child, "function" if isinstance(child, cst.FunctionDef) else "class"
                yield from walk(child.body, qualname)
            elif not isinstance(child, (cst.BaseExpression,)):
                yield from walk(child, prefix)
    yield from walk(module, module_name)


def _assigned_names(statement: cst.BaseSmallStatement) -> list[cst.Name] | None:
    """The names a plain assignment binds; None for anything else (calls, attributes...)."""
    if isinstance(statement, cst.Assign):
        names: list[cst.Name] = []
        for target in statement.targets:
            node = target.target
            elements = node.elements if isinstance(node, (cst.Tuple, cst.List)) else [node]
            for element in elements:
                value = element.value if isinstance(element, cst.Element) else element
                if not isinstance(value, cst.Name):
                    return None
                names.append(value)
        return names
    if isinstance(statement, cst.AnnAssign) and isinstance(statement.target, cst.Name) and \
            statement.value is not None:
        return [statement.target]
    return None


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _settles_once(value: cst.BaseExpression) -> bool:
    """A value with no effect beyond itself: a literal, or an environment read."""
    return literal_string(value) is not None or env_variable(value) is not None


class _Remover(cst.CSTTransformer):
    """Removes whole lines in their container, so that the comment heading a removed line
    (say, above a group of constants) stays with the line that now starts the group."""

    def __init__(self, statements: set[int], definitions: set[int]) -> None:
        super().__init__()
        self.statements = statements
        self.definitions = definitions
        # Lines to drop, held by reference: an id alone could be reused by a node created
        # later in the same visit once the dropped line is freed.
        self.gone: dict[int, cst.SimpleStatementLine] = {}

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        body = [s for o, s in zip(original_node.body, updated_node.body) if id(o) not in self.statements]
        if not body:
            self.gone[id(updated_node)] = updated_node
            return updated_node
        if len(body) != len(updated_node.body):
            body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            return updated_node.with_changes(body=body)
        return updated_node

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
                          ) -> cst.FunctionDef | cst.RemovalSentinel:
        return cst.RemoveFromParent() if id(original_node) in self.definitions else updated_node

    def _rebuild(self, body: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
        kept: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for statement in body:
            if id(statement) in self.gone:
                assert isinstance(statement, cst.SimpleStatementLine)
                if any(line.comment for line in statement.leading_lines):
                    carried = [*carried, *statement.leading_lines]
                continue
            if carried and isinstance(statement, cst.SimpleStatementLine) and \
                    not any(line.comment for line in statement.leading_lines):
                statement = statement.with_changes(leading_lines=carried)
            carried = []
            kept.append(statement)
        return kept

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        body = self._rebuild(updated_node.body)
        if not body:  # a block must hold something
            body = [cst.SimpleStatementLine([cst.Pass()])]
        return updated_node.with_changes(body=body)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = self._rebuild(updated_node.body)
        if not body:
            return updated_node.with_changes(body=[], header=[], footer=[])
        return updated_node.with_changes(body=body)


class RemoveDeadSigning(WalmartCodemod):
    NAME = "dead-signing-code"
    DESCRIPTION = ("Remove signing helpers, timestamp and signature locals, legacy header "
                   "constants and crypto/subprocess imports that the rewrite left unused.")
    MARKERS = MARKERS

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        plan = plan_of(self.context, tree)
        module = module_name_of(self.context)
        removed = removed_names(self.context)
        if not removed and not any(self._here(q, module) for q in plan.dead_helpers):
            return tree
        touched: set[str] = set()
        for _ in range(_MAX_ROUNDS):
            statements, definitions = self._dead(tree, module, plan.dead_helpers)
            if not statements and not definitions:
                break
            for node, where in self._removed_nodes(tree, module, statements | definitions):
                note_removed(self.context, where, node)
            tree = tree.visit(_Remover(statements, definitions))
        for names in removed.values():
            touched |= names
        self._schedule_imports(tree, touched)
        return tree

    @staticmethod
    def _here(qualname: str, module: str) -> bool:
        return qualname.startswith(module + ".")

    def _dead(self, tree: cst.Module, module: str, dead_helpers: set[str]) -> tuple[set[int], set[int]]:
        removed = removed_names(self.context)
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        scopes = wrapper.resolve(ScopeProvider)
        statements: set[int] = set()
        definitions: set[int] = set()
        for qualname, node, kind in _qualified_defs(tree, module):
            if kind == "function" and qualname in dead_helpers and \
                    self._unused_here(tree, node, scopes):  # type: ignore[arg-type]
                definitions.add(id(node))
            candidates = {n for n in removed.get(qualname, set()) if "." not in n}
            if kind == "function" and candidates:
                assert isinstance(node, cst.FunctionDef)
                statements |= self._unused_assignments(node.body, candidates, scopes)
        # Top-level script code: the site's "function" is the module itself.
        top_level = {n for n in removed.get("", set()) if "." not in n}
        if top_level:
            statements |= self._unused_assignments(tree, top_level, scopes)
        statements |= self._legacy_constants(tree, module, scopes, plan_of(self.context, tree))
        return statements, definitions

    def _legacy_constants(self, tree: cst.Module, module: str, scopes: object,
                          plan: RepoPlan) -> set[int]:
        """Header-name constants (module or class level), and module settings such as the jar's
        path, whose last use the rewrite removed."""
        removed = {n.removeprefix("self.") for names in removed_names(self.context).values()
                   for n in names}
        loaded_attributes = {node.attr.value for node in _walk(tree) if isinstance(node, cst.Attribute)}
        found: set[int] = set()
        for statement in tree.body:
            bodies: list[tuple[cst.CSTNode, bool]] = []
            if isinstance(statement, cst.SimpleStatementLine):
                bodies.append((statement, False))
            elif isinstance(statement, cst.ClassDef):
                bodies.extend((s, True) for s in statement.body.body
                              if isinstance(s, cst.SimpleStatementLine))
            for line, in_class in bodies:
                for small in line.body:  # type: ignore[attr-defined]
                    if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
                        continue
                    target = small.targets[0].target
                    if not (isinstance(target, cst.Name) and target.value in removed and
                            (literal_string(small.value) in LEGACY or
                             (not in_class and _settles_once(small.value)))):
                        continue
                    unused = target.value not in loaded_attributes if in_class else (
                        self._unreferenced(target, scopes) and
                        f"{module}.{target.value}" not in plan.referenced_elsewhere)
                    if unused:
                        found.add(id(small))
        return found

    def _unused_assignments(self, body: cst.CSTNode, candidates: set[str],
                            scopes: object) -> set[int]:
        found: set[int] = set()
        stack: list[cst.CSTNode] = [body]
        while stack:
            current = stack.pop()
            if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not body:
                continue
            if isinstance(current, cst.SimpleStatementLine):
                for small in current.body:
                    names = _assigned_names(small)
                    if names and all(n.value in candidates and self._unreferenced(n, scopes)
                                     for n in names):
                        found.add(id(small))
                continue
            stack.extend(current.children)
        return found

    @staticmethod
    def _unused_here(tree: cst.Module, node: cst.FunctionDef, scopes: object) -> bool:
        """The plan says no caller is left; this module must agree (a codemod run on its own
        has not removed the calls yet). Uses inside the helper itself do not count."""
        own = {id(n) for n in _walk(node)}
        name = node.name.value
        if any(isinstance(n, cst.Attribute) and n.attr.value == name and id(n) not in own
               for n in _walk(tree)):
            return False
        scope = scopes.get(node)  # type: ignore[attr-defined]
        if scope is None:
            return True
        return not any(id(r.node) not in own for a in scope.assignments[name] for r in a.references)

    @staticmethod
    def _unreferenced(name: cst.Name, scopes: object) -> bool:
        scope = scopes.get(name)  # type: ignore[attr-defined]
        if scope is None:
            return False
        assignments = [a for a in scope.assignments[name.value]]
        return bool(assignments) and not any(a.references for a in assignments)

    def _removed_nodes(self, tree: cst.Module, module: str,
                       ids: set[int]) -> Iterator[tuple[cst.CSTNode, str]]:
        """The nodes about to go, with the function (or module) each sits in."""
        def walk(node: cst.CSTNode, where: str) -> Iterator[tuple[cst.CSTNode, str]]:
            for child in node.children:
                inner = where
                if isinstance(child, (cst.FunctionDef, cst.ClassDef)):
                    inner = f"{where or module}.{child.name.value}"
                if id(child) in ids:
                    yield child, where
                    continue
                yield from walk(child, inner)
        yield from walk(tree, "")  # "" is top-level code, as for the sites found there

    def _schedule_imports(self, tree: cst.Module, names: set[str]) -> None:
        """Ask LibCST to drop imports whose names only the removed code used."""
        for statement in tree.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        local = alias.evaluated_alias or alias.evaluated_name.split(".")[0]
                        if local in names:
                            RemoveImportsVisitor.remove_unused_import(
                                self.context, alias.evaluated_name, asname=alias.evaluated_alias)
                elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    base = get_absolute_module_from_package_for_import(
                        self.context.full_package_name, small)
                    if base is None:
                        continue
                    for alias in small.names:
                        local = alias.evaluated_alias or alias.evaluated_name
                        if local in names:
                            RemoveImportsVisitor.remove_unused_import(
                                self.context, base, alias.evaluated_name, alias.evaluated_alias)

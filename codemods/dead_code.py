"""Remove what the rewrite left dead, and only that: the signature and timestamp locals and
the key loading that fed them, signing helpers no caller needs any more, legacy header-name
constants and module settings only they read, and the imports they used - when nothing
else uses them.

One scope analysis of the tree serves the whole cascade: a use inside code being removed
no longer counts, so removing ``sig = sign(key, ...)`` frees ``key``, then what loaded it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import libcst as cst

from codemods.base import WalmartCodemod, visit_only
from codemods.bindings import Bindings
from codemods.classify import CommentAbove
from codemods.flow.syntax import (
    child_nodes,
    definitions,
    env_variable,
    is_attribute,
    literal_string,
    nodes_in,
)
from codemods.imports_edit import prune_aliases
from codemods.names import LEGACY, MARKERS, SIGNING_MARKERS
from codemods.printing import code_of
from codemods.work import module_name_of, note_removed, plan_of, removed_names

__all__ = ["RemoveDeadSigning"]


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


def _settles_once(value: cst.BaseExpression) -> bool:
    """A value with no effect beyond itself: a literal, a tuple or list of them (header names
    the rewrite emptied), or an environment read."""
    if isinstance(value, (cst.Tuple, cst.List)):
        return all(isinstance(e, cst.Element) and _settles_once(e.value) for e in value.elements)
    return literal_string(value) is not None or env_variable(value) is not None


class _Remover(cst.CSTTransformer):
    """Removes whole lines in their container, so that the comment heading a removed line
    (say, above a group of constants) stays with the line that now starts the group."""

    def __init__(self, statements: set[int], definitions: set[int], aliases: set[int]) -> None:
        super().__init__()
        self.statements = statements
        self.definitions = definitions
        self.aliases = aliases
        # Lines to drop, held by reference: an id alone could be reused by a node created
        # later in the same visit once the dropped line is freed.
        self.gone: dict[int, cst.SimpleStatementLine] = {}

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import
                     ) -> cst.Import | cst.RemovalSentinel:
        names = prune_aliases(original_node.names, self.aliases)
        if len(names) == len(original_node.names):
            return updated_node
        if not names:  # the line goes in its container, which keeps the blank line above it
            self.statements.add(id(original_node))
            return updated_node
        return updated_node.with_changes(names=names)

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
                         ) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(original_node.names, cst.ImportStar):
            return updated_node
        names = prune_aliases(original_node.names, self.aliases)
        if len(names) == len(original_node.names):
            return updated_node
        if not names:
            self.statements.add(id(original_node))
            return updated_node
        parenthesized = updated_node.lpar is not None
        return updated_node.with_changes(names=names if parenthesized else [
            *names[:-1], names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)])

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        body = [s for o, s in zip(original_node.body, updated_node.body)
                if id(o) not in self.statements]
        if not body or not updated_node.body:
            self.gone[id(updated_node)] = updated_node
            return updated_node
        if len(body) != len(updated_node.body):
            body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            return updated_node.with_changes(body=body)
        return updated_node

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
                          ) -> cst.FunctionDef | cst.RemovalSentinel:
        return cst.RemoveFromParent() if id(original_node) in self.definitions else updated_node

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef
                       ) -> cst.ClassDef | cst.RemovalSentinel:
        return cst.RemoveFromParent() if id(original_node) in self.definitions else updated_node

    def _rebuild(self, body: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
        kept: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        blank: list[cst.EmptyLine] = []  # the blank lines that opened a run of removed lines
        removing = False
        for statement in body:
            if id(statement) in self.gone:
                assert isinstance(statement, cst.SimpleStatementLine)
                if not removing:
                    blank = [line for line in statement.leading_lines if not line.comment]
                    removing = True
                if any(line.comment for line in statement.leading_lines):
                    carried = [*carried, *statement.leading_lines]
                continue
            removing = False
            own = statement.leading_lines if isinstance(statement, cst.SimpleStatementLine) else ()
            if carried and isinstance(statement, cst.SimpleStatementLine) and \
                    not any(line.comment for line in own):
                statement = statement.with_changes(leading_lines=carried)
            elif blank and isinstance(statement, cst.SimpleStatementLine) and not own:
                # The blank line that separated a removed import group from the one above.
                statement = statement.with_changes(leading_lines=blank)
            carried, blank = [], []
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


def _mark_kept(tree: cst.Module, module_name: str, kept: dict[str, str]) -> cst.Module:
    """A helper the rewrite would have removed but other code still calls gets one comment
    above it saying who, so the seller knows the legacy signing is not gone yet."""
    mine = {q: r for q, r in kept.items() if q.startswith(module_name + ".")}
    if not mine:
        return tree
    marks = {id(node): mine[qualname] for qualname, node in definitions(tree, module_name)
             if qualname in mine}
    return tree.visit(CommentAbove(marks)) if marks else tree


class RemoveDeadSigning(WalmartCodemod):
    NAME = "dead-signing-code"
    DESCRIPTION = ("Remove signing helpers, timestamp and signature locals, legacy header "
                   "constants and crypto/subprocess imports that the rewrite left unused.")
    MARKERS = MARKERS
    SIGNING_MARKERS = SIGNING_MARKERS

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        plan = plan_of(self.context, tree)
        self.module_name = module_name_of(self.context)
        self.dead_helpers = {q for q in plan.dead_helpers if q.startswith(self.module_name + ".")}
        self.referenced_elsewhere = plan.referenced_elsewhere
        tree = _mark_kept(tree, self.module_name, plan.kept_helpers)
        if not removed_names(self.context) and not self.dead_helpers:
            return tree
        self.tree = tree
        self.bindings = Bindings(tree)
        self.gone: set[int] = set()  # every node inside code marked for removal
        self.statements: dict[int, cst.CSTNode] = {}
        self.definitions: dict[int, cst.CSTNode] = {}
        self.defs = list(definitions(tree, self.module_name))
        # Walked once: every round asks which attributes removed code has not swallowed.
        self.attributes = [cast(cst.Attribute, n) for n in nodes_in(tree) if is_attribute(n)]
        while self._one_round():
            pass
        aliases = self._unused_import_aliases()
        if not self.statements and not self.definitions and not aliases:
            return tree
        return visit_only(tree, _Remover(set(self.statements), set(self.definitions), aliases),
                          {*self.statements, *self.definitions, *aliases})

    # -- the cascade ---------------------------------------------------------------------
    def _remove(self, node: cst.CSTNode, where: str, table: dict[int, cst.CSTNode]) -> None:
        table[id(node)] = node
        self.gone.update(id(n) for n in nodes_in(node))
        note_removed(self.context, where, node)

    def _alive(self, name: cst.Name, exclude: set[int] | None = None) -> bool:
        """Whether a binding of ``name`` is still read somewhere outside removed code."""
        scope = self.bindings.scope_of(name)
        if scope is None:
            return True
        skip = self.gone | (exclude or set())
        return any(id(read) not in skip for binding in scope.own(name.value)
                   for read in binding.reads)

    def _one_round(self) -> bool:
        progress = False
        removed = removed_names(self.context)
        for qualname, node in self.defs:
            if id(node) in self.gone:
                continue
            if qualname in self.dead_helpers and \
                    isinstance(node, (cst.FunctionDef, cst.ClassDef)) and self._helper_unused(node):
                self._remove(node, qualname.rpartition(".")[0], self.definitions)
                progress = True
                continue
            # Names removed code read here, or in a function nested here (a closure's reads
            # of this function's locals: ``signer`` read only by the removed hook body).
            candidates = {n for where, names in removed.items()
                          if where == qualname or where.startswith(qualname + ".")
                          for n in names if "." not in n}
            if candidates and isinstance(node, cst.FunctionDef):
                progress |= self._locals(node.body, candidates, qualname)
        top_level = {n for n in removed.get("", set()) if "." not in n}
        if top_level:
            progress |= self._locals(self.tree, top_level, "")
        progress |= self._module_leftovers()
        return progress

    def _locals(self, body: cst.CSTNode, candidates: set[str], where: str) -> bool:
        progress = False
        stack: list[cst.CSTNode] = [body]
        while stack:
            current = stack.pop()
            if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not body:
                continue
            if isinstance(current, cst.SimpleStatementLine):
                for small in current.body:
                    names = _assigned_names(small)
                    if id(small) in self.gone or not names:
                        continue
                    if all(n.value in candidates and not self._alive(n) for n in names):
                        self._remove(small, where, self.statements)
                        progress = True
                continue
            stack.extend(child_nodes(current))
        return progress

    def _helper_unused(self, node: cst.FunctionDef | cst.ClassDef) -> bool:
        """The plan says no caller is left; this module must agree (a codemod run on its own
        has not removed the calls yet). Uses inside the helper itself do not count."""
        own = {id(n) for n in nodes_in(node)}
        name = node.name.value
        for other in self.attributes:
            if other.attr.value == name and id(other) not in own and id(other) not in self.gone:
                return False
        return not self._alive(node.name, exclude=own)

    def _module_leftovers(self) -> bool:
        """Header-name constants (module or class level), and module settings such as the jar's
        path, whose last use the removed code was."""
        touched = {n.removeprefix("self.") for names in removed_names(self.context).values()
                   for n in names}
        loaded = {n.attr.value for n in self.attributes if id(n) not in self.gone}
        progress = False
        for statement in self.tree.body:
            lines: list[tuple[cst.SimpleStatementLine, bool]] = []
            if isinstance(statement, cst.SimpleStatementLine):
                lines.append((statement, False))
            elif isinstance(statement, cst.ClassDef):
                lines.extend((s, True) for s in statement.body.body
                             if isinstance(s, cst.SimpleStatementLine))
            for line, in_class in lines:
                for small in line.body:
                    if id(small) in self.gone or not isinstance(small, cst.Assign) or \
                            len(small.targets) != 1:
                        continue
                    target = small.targets[0].target
                    if not (isinstance(target, cst.Name) and target.value in touched):
                        continue
                    legacy = literal_string(small.value) in LEGACY
                    if not (legacy or (not in_class and _settles_once(small.value))):
                        continue
                    unused = target.value not in loaded if in_class else (
                        not self._alive(target) and
                        f"{self.module_name}.{target.value}" not in self.referenced_elsewhere)
                    if unused:
                        self._remove(small, "", self.statements)
                        progress = True
        return progress

    # -- imports --------------------------------------------------------------------------
    def _unused_import_aliases(self) -> set[int]:
        """Aliases whose names only removed code (ours, or the rewrites before us) used."""
        touched = {n for names in removed_names(self.context).values() for n in names}
        drop: set[int] = set()
        for statement in self.tree.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.ImportFrom) and (
                        isinstance(small.names, cst.ImportStar) or
                        (small.module is not None and
                         code_of(small.module) == "__future__")):
                    continue
                if not isinstance(small, (cst.Import, cst.ImportFrom)):
                    continue
                for alias in small.names:  # type: ignore[union-attr]
                    local = alias.evaluated_alias or (
                        alias.evaluated_name.split(".")[0] if isinstance(small, cst.Import)
                        else alias.evaluated_name)
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    # ``import os.path`` binds ``os``, and ``os.path.join`` reads it under
                    # its dotted name: every name the import makes must be unread.
                    names = {local}
                    if isinstance(small, cst.Import) and alias.asname is None:
                        parts = alias.evaluated_name.split(".")
                        names.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
                    if local in touched and not any(self._binding_alive(bound, name)
                                                    for name in names):
                        drop.add(id(alias))
        return drop

    def _binding_alive(self, node: cst.CSTNode, local: str) -> bool:
        # An imported name has no scope of its own: the imports asked about are the module's.
        scope = self.bindings.scope_of(node) or self.bindings.module
        return any(id(read) not in self.gone
                   for binding in scope.own(local) for read in binding.reads)

"""Rename what carried the legacy credentials into signing - constructor and function
parameters, attributes, keyword arguments at call sites across the repository, module
settings and the environment variables they read - to client id / client secret names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Union, cast

import libcst as cst

from codemods.base import WalmartCodemod, same_nodes
from codemods.binding_scopes import Scope
from codemods.binding_walk import parts_in_order
from codemods.bindings import Bindings
from codemods.flow.imports import import_table
from codemods.flow.plan import RepoPlan
from codemods.flow.syntax import dotted, env_literal, env_variable, is_attribute, kind_test
from codemods.imports_edit import ensure_imports
from codemods.names import MARKERS, SIGNING_MARKERS
from codemods.printing import code_of
from codemods.scoped import Scoped
from codemods.work import edits_for, module_name_of, note_removed, plan_of, renamed_variables

__all__ = ["RenameCredentials"]


class _Apply(cst.CSTTransformer):
    def __init__(self, names: dict[int, str], strings: dict[int, str]) -> None:
        super().__init__()
        self.names = names
        self.strings = strings

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self.names.get(id(original_node))
        return updated_node.with_changes(value=new) if new else updated_node

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.SimpleString:
        new = self.strings.get(id(original_node))
        if new is None:
            return updated_node
        quote = original_node.quote
        return updated_node.with_changes(value=f"{original_node.prefix}{quote}{new}{quote}")


def _walk_body(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Nodes of a function body, not descending into nested functions or classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(c for c in parts_in_order(current)
                     if not isinstance(c, (cst.FunctionDef, cst.ClassDef)))


_is_class = kind_test(cst.ClassDef)
_is_function = kind_test(cst.FunctionDef)
_is_call = kind_test(cst.Call)
_is_import_from = kind_test(cst.ImportFrom)
_reads_environment = kind_test(cst.Subscript, cst.Call)


class _Finder:
    """Walks the module once, with the class/function context, collecting nodes to rename."""

    def __init__(self, tree: cst.Module, module: str, plan: RepoPlan, bindings: Bindings) -> None:
        self.tree, self.module, self.plan, self.bindings = tree, module, plan, bindings
        self.renames = plan.renames
        self.imports = import_table(tree, module, False)
        self.local_classes = {s.name.value for s in tree.body if isinstance(s, cst.ClassDef)}
        self.local_functions = {s.name.value for s in tree.body if isinstance(s, cst.FunctionDef)}
        self.qualified = self.renames.qualified()
        self.names: dict[int, str] = {}
        self.strings: dict[int, str] = {}
        self.variables: dict[str, str] = {}  # environment variables renamed here

    def run(self) -> None:
        self._walk(self.tree, [], [])
        self._globals()

    def _scope(self, classes: list[str], functions: list[str]) -> str:
        if classes:
            return f"{self.module}.{classes[0]}"
        if functions:
            return f"{self.module}.{functions[0]}"
        return f"{self.module}.<module>"

    def _walk(self, node: cst.CSTNode, classes: list[str], functions: list[str]) -> None:
        for child in parts_in_order(node):
            if _is_class(child):
                klass = cast(cst.ClassDef, child)
                self._class(klass, [*classes, klass.name.value])
                self._walk(klass, [*classes, klass.name.value], functions)
                continue
            if _is_function(child):
                function = cast(cst.FunctionDef, child)
                qualname = ".".join([self.module, *classes, *functions, function.name.value])
                self._function(function, qualname)
                self._walk(function, classes, [*functions, function.name.value])
                continue
            if _is_call(child):
                self._call(cast(cst.Call, child), classes)
            elif is_attribute(child):
                self._attribute(cast(cst.Attribute, child), classes)
            elif _is_import_from(child):
                self._import_from(cast(cst.ImportFrom, child))
            if _reads_environment(child):
                self._environment(cast(Union[cst.Subscript, cst.Call], child), classes, functions)
            self._walk(child, classes, functions)

    def _environment(self, node: cst.Subscript | cst.Call, classes: list[str],
                     functions: list[str]) -> None:
        """Rename a read only where the plan followed the credentials through it."""
        variable = env_variable(node)
        if variable is None or variable not in self.renames.env or \
                self._protected(classes, functions):
            return
        keys = {self.module, self._scope(classes, functions),
                ".".join([self.module, *classes, *functions])}
        if not keys & self.renames.env_scopes.get(variable, set()):
            return
        literal = env_literal(node)
        if isinstance(literal, cst.SimpleString):
            self.strings[id(literal)] = self.renames.env[variable]
            self.variables[variable] = self.renames.env[variable]

    def _protected(self, classes: list[str], functions: list[str]) -> bool:
        decision = self.plan.decisions.get(self._scope(classes, functions))
        return decision is not None and decision.action != "rewritten"

    def _class(self, node: cst.ClassDef, classes: list[str]) -> None:
        attrs = self.renames.attrs.get(f"{self.module}.{classes[0]}", {})
        if not attrs or len(classes) != 1:
            return
        for statement in node.body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    target = small.target if isinstance(small, cst.AnnAssign) else None
                    if isinstance(target, cst.Name) and target.value in attrs:
                        self.names[id(target)] = attrs[target.value]
            elif isinstance(statement, cst.FunctionDef) and statement.name.value in attrs and \
                    any(code_of(d.decorator).endswith("property")
                        for d in statement.decorators):
                self.names[id(statement.name)] = attrs[statement.name.value]  # a property

    def _function(self, node: cst.FunctionDef, qualname: str) -> None:
        for old, new in self.renames.locals.get(qualname, {}).items():
            self._local(node, old, new)
        params = self.renames.params.get(qualname, {})
        for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
            renamed = params.get(param.name.value)
            if renamed is None:
                continue
            new = renamed
            self.names[id(param.name)] = new
            scope = self.bindings.scope_of(param.name)
            if scope is None:
                continue
            for binding in scope.own(param.name.value):
                if binding.node is param:
                    for read in binding.reads:
                        if isinstance(read, cst.Name):
                            self.names[id(read)] = new

    def _local(self, node: cst.FunctionDef, old: str, new: str) -> None:
        """A local of this function: every assignment to it and every read of it - the
        function's own ``old``, not that of a comprehension or lambda in its body that binds
        its own (renaming that one instead left the function's reads of the new name
        undefined). Only when the function binds none is the first one the walk meets
        taken."""
        chosen: Scope | None = None
        for statement in _walk_body(node.body):
            if isinstance(statement, cst.Name) and statement.value == old:
                scope = self.bindings.scope_of(statement)
                if scope is None or not scope.own(old):
                    continue
                if scope.kind == "function" and scope.node is node:
                    chosen = scope
                    break
                chosen = chosen or scope
        if chosen is None:
            return
        for binding in chosen.own(old):
            if isinstance(binding.node, cst.Name):
                self.names[id(binding.node)] = new
            for read in binding.reads:
                if isinstance(read, cst.Name):
                    self.names[id(read)] = new

    def _callee(self, func: cst.BaseExpression, classes: list[str]) -> str | None:
        name = dotted(func)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if name == "cls" and classes:  # cls(...) in a classmethod
            return f"{self.module}.{classes[0]}"
        if head in ("self", "cls") and classes and rest:
            return f"{self.module}.{classes[0]}.{rest}"
        if head in self.imports:
            return f"{self.imports[head]}.{rest}" if rest else self.imports[head]
        if head in self.local_classes or head in self.local_functions:
            return f"{self.module}.{name}"
        return None

    def _call(self, node: cst.Call, classes: list[str]) -> None:
        callee = self._callee(node.func, classes) or ""
        args = list(node.args)
        if callee.rpartition(".")[2] == "partial" and args and args[0].keyword is None:
            # functools.partial(function, consumer_id=...): the keywords are function's
            callee, args = self._callee(args[0].value, classes) or "", args[1:]
        renames = self.renames.kwargs.get(callee, {})
        if not renames:
            return
        params = self.renames.positions.get(callee, ())
        for index, arg in enumerate(args):
            if arg.keyword is not None:
                name = arg.keyword.value
                if name in renames:
                    self.names[id(arg.keyword)] = renames[name]
            else:
                name = params[index] if index < len(params) else ""
            if name in renames:
                self._passed_value(arg.value)

    def _passed_value(self, value: cst.BaseExpression) -> None:
        """An environment variable read right at the call site follows the parameter's rename."""
        variable = env_variable(value)
        if variable is None:
            return
        new = self.renames.env.get(variable) or self.renames.new_name(variable)
        literal = env_literal(value)
        if new != variable and isinstance(literal, cst.SimpleString):
            self.strings[id(literal)] = new
            self.variables[variable] = new

    def _attribute(self, node: cst.Attribute, classes: list[str]) -> None:
        owner = node.value
        if isinstance(owner, cst.Name) and owner.value in ("self", "cls") and classes:
            attrs = self.renames.attrs.get(f"{self.module}.{classes[0]}", {})
            if node.attr.value in attrs:
                self.names[id(node.attr)] = attrs[node.attr.value]
            return
        base = dotted(owner)
        if base is not None:
            head, _, rest = base.partition(".")
            qualified = f"{self.imports.get(head, head)}{'.' + rest if rest else ''}.{node.attr.value}"
            if qualified in self.qualified:
                self.names[id(node.attr)] = self.qualified[qualified]

    def _import_from(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            local = alias.evaluated_alias or alias.evaluated_name
            qualified = self.imports.get(local, "")
            if qualified in self.qualified and isinstance(alias.name, cst.Name):
                self.names[id(alias.name)] = self.qualified[qualified]
                if alias.asname is None:
                    self._global_references(local, self.qualified[qualified], imports_only=True)

    def _globals(self) -> None:
        for old, new in self.renames.globals.get(self.module, {}).items():
            self._global_references(old, new, imports_only=False)

    def _global_references(self, old: str, new: str, imports_only: bool) -> None:
        if not self.tree.body:
            return
        for binding in self.bindings.module.own(old):
            if not imports_only and isinstance(binding.node, cst.Name):
                self.names[id(binding.node)] = new
            for read in binding.reads:
                if isinstance(read, cst.Name):
                    self.names[id(read)] = new
        for target in self._assign_targets(old) if not imports_only else ():
            self.names[id(target)] = new

    def _assign_targets(self, old: str) -> Iterator[cst.Name]:
        for statement in self.tree.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Assign):
                        for target in small.targets:
                            if isinstance(target.target, cst.Name) and target.target.value == old:
                                yield target.target
                    elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                            and small.target.value == old:
                        yield small.target


class _Positional(Scoped):
    """Edits known by their position in the seller's file: statements that kept something
    made from a credential (replaced by statements keeping it raw), attribute names read on
    objects elsewhere, and keys of settings dicts and config files."""

    def __init__(self, codemod: WalmartCodemod, stores: dict[tuple[int, int], str],
                 attributes: dict[tuple[int, int], str], keys: dict[tuple[int, int], str]) -> None:
        super().__init__()
        self.codemod = codemod
        self.context = codemod.context
        self.environment = plan_of(codemod.context, cst.Module([])).renames.env
        self.stores = stores
        self.attributes = attributes
        self.keys = keys

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        position = self.codemod.origin(original_node)
        # An attribute read elsewhere, or the keyword of a dict(key=...) entry
        new = (self.attributes.get(position) or self.keys.get(position)) \
            if position is not None else None
        return updated_node.with_changes(value=new) if new else updated_node

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.SimpleString:
        position = self.codemod.origin(original_node)
        new = self.keys.get(position) if position is not None else None
        if new is None:
            return updated_node
        quote = original_node.quote
        return updated_node.with_changes(value=f"{original_node.prefix}{quote}{new}{quote}")

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        replaced: list[cst.BaseSmallStatement] = []
        changed = False
        for original, updated in zip(original_node.body, updated_node.body):
            position = self.codemod.origin(original)
            text = self.stores.get(position) if position is not None else None
            if text is None:
                replaced.append(updated)
                continue
            changed = True
            note_removed(self.context, self.function, original)
            for line in text.splitlines():
                statement = cst.parse_statement(line)
                assert isinstance(statement, cst.SimpleStatementLine)
                replaced.extend(statement.body)
        if not changed:
            return updated_node
        if len(original_node.body) == 1:
            lines = [cst.SimpleStatementLine([small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)],
                                             leading_lines=updated_node.leading_lines if i == 0 else ())
                     for i, small in enumerate(replaced)]
            return cst.FlattenSentinel(lines)
        body = [small.with_changes(semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" ")))
                for small in replaced[:-1]] + [replaced[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)]
        return updated_node.with_changes(body=body)


class RenameCredentials(WalmartCodemod):
    NAME = "credentials"
    DESCRIPTION = ("Rename consumer-id/private-key names that carried the credentials (parameters, "
                   "attributes, keyword arguments across the repo, settings, environment "
                   "variables, config keys) to client-id/client-secret names, and keep the raw "
                   "credential where a loaded key, a signer or a partial was kept.")
    MARKERS = MARKERS
    SIGNING_MARKERS = SIGNING_MARKERS

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        plan = plan_of(self.context, tree)
        module = module_name_of(self.context)
        old_names = plan.renames.old_names()
        text = code_of(tree, tree)  # cheap next to the scope analysis it can spare
        if any(name in text for name in old_names):
            finder = _Finder(tree, module, plan, Bindings(tree))
            finder.run()
            if finder.names or finder.strings:
                renamed_variables(self.context).update(finder.variables)
                tree = self.visit_tracked(tree, _Apply(finder.names, finder.strings),
                                          nodes=[*finder.names, *finder.strings],
                                          everywhere=False)
        stores = {position: edit.text for position, edit in edits_for(self.context, tree,
                                                                       self.NAME).items()}
        attributes = plan.renames.attr_sites.get(module, {})
        keys = plan.renames.key_sites.get(module, {})
        if not (stores or attributes or keys):
            return tree
        positional = _Positional(self, stores, attributes, keys)
        tree = self.visit_tracked(tree, positional, at=[*stores, *attributes, *keys],
                                  everywhere=False)
        # Only the modules the new statements name: an import nothing uses is an edit that
        # does not pay for itself
        needed = {m for m in plan.imports.get(module, set())
                  if any(f"{m}." in text for text in stores.values())}
        if needed:
            tree = same_nodes(self.context, tree, ensure_imports(tree, needed))
        return tree

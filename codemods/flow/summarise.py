"""One file's summary: walk the module once, evaluating its top-level code, each class body
and each function body (``codemods.flow.evaluate``), and keep what they do as plain data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import libcst as cst
from libcst.metadata import CodeRange

from codemods.flow.evaluate import Evaluator
from codemods.flow.imports import import_table
from codemods.flow.summary import (
    AttributeRead,
    ClassSummary,
    FileSummary,
    FunctionSummary,
    ItemRead,
    Occurrence,
    SiteRec,
    Span,
    Store,
)
from codemods.flow.syntax import child_nodes
from codemods.flow.values import Global, Loc, Opaque, Ref, SelfAttr, Value, alt
from codemods.positions import positions_of
from codemods.printing import code_of

__all__ = ["FileContext", "summarise"]

def _builtin_names() -> frozenset[str]:
    import builtins

    return frozenset(dir(builtins))


BUILTINS = _builtin_names()


class FileContext:
    """What every evaluator of one file shares: names, positions, and the summary filled in."""

    def __init__(self, module: cst.Module, module_name: str, path: str, is_package: bool,
                 positions: Mapping[cst.CSTNode, CodeRange] | None = None) -> None:
        self.module_name = module_name
        self.is_package = is_package
        self.summary = FileSummary(module=module_name, path=path, is_package=is_package)
        self.imports = import_table(module, module_name, is_package)
        self.summary.imports = dict(self.imports)
        self.attribute_names = self.summary.attribute_names
        self.positions = positions if positions is not None else \
            positions_of(module)
        self.definitions: dict[str, str] = {}  # module-level def/class name -> qualname
        self.assigned: set[str] = set()  # module-level assigned names
        self.globals_declared: dict[str, set[str]] = {}  # function -> names declared global
        self.classes: list[str] = []
        self.functions: list[str] = []
        for statement in module.body:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                self.definitions[statement.name.value] = f"{module_name}.{statement.name.value}"
            for name in _assigned_names(statement):
                self.assigned.add(name)

    # -- names and places -------------------------------------------------------------------
    def loc(self, node: cst.CSTNode) -> Loc:
        position = self.positions.get(node)
        if position is None:
            return (self.module_name, 0, 0)
        return (self.module_name, position.start.line, position.start.column + 1)

    def span(self, node: cst.CSTNode) -> Span:
        position = self.positions.get(node)
        if position is None:
            return (0, 0, 0, 0)
        return (position.start.line, position.start.column + 1, position.end.line,
                position.end.column + 1)

    def global_value(self, name: str) -> Value:
        if name in self.assigned:
            return Global(self.module_name, name)
        if name in self.definitions:
            return Ref(self.definitions[name])
        if name in self.imports:
            return Ref(self.imports[name])
        if name in ("None", "True", "False", "NotImplemented", "Ellipsis"):
            return Opaque(name)
        if name in BUILTINS:
            return Ref(f"builtins.{name}")
        return Global(self.module_name, name)

    def import_bindings(self, node: cst.Import | cst.ImportFrom) -> Iterator[tuple[str, str]]:
        table: dict[str, str] = {}
        from codemods.flow.imports import _bind

        _bind(node, self.module_name, self.is_package, table)
        yield from table.items()

    def declared_global(self, function: str) -> set[str]:
        return self.globals_declared.get(function, set())

    def store_global(self, name: str, value: Value, statement: cst.CSTNode,
                     target: cst.CSTNode) -> None:
        summary = self.summary
        if self.functions:  # ``global NAME`` written in a function: one more possible value
            summary.globals[name] = alt(summary.globals.get(name, Opaque("unset")), value)
        else:
            summary.globals[name] = value
        code = code_of(statement.value) if isinstance(statement, (cst.Assign, cst.AnnAssign)) and \
            statement.value is not None else ""
        summary.global_stores.setdefault(name, []).append(
            Store(value, self.loc(statement), code, self.loc(target), self.span(statement)))

    # -- records ----------------------------------------------------------------------------
    def scope(self) -> str:
        if self.classes:
            return self.classes[0]
        if self.functions:
            return self.functions[0]
        return f"{self.module_name}.<module>"

    def new_site(self, kind: str, function: FunctionSummary, loc: Loc, owner: str) -> SiteRec:
        site = SiteRec(kind, function.qualname, self.scope(), loc, owner=owner,
                       is_async=function.is_async)
        self.summary.sites.append(site)
        return site

    def occurrence(self, kind: str, what: str, node: cst.CSTNode, function: str) -> None:
        self.summary.occurrences.append(Occurrence(kind, what, self.loc(node), function))

    def item_read(self, function: str, base: Value, key: str, node: cst.CSTNode) -> None:
        self.summary.item_reads.append(ItemRead(base, key, self.loc(node), function))

    def attribute_read(self, function: str, name: str, receiver: Value, node: cst.CSTNode) -> None:
        self.summary.attribute_reads.append(AttributeRead(name, receiver, self.loc(node), function))

    def reference(self, function: str, value: Value, node: cst.CSTNode) -> None:
        if isinstance(value, Ref):
            if value.qualname.startswith("builtins."):
                return
            target = value.qualname
        elif isinstance(value, SelfAttr) and self.classes:
            target = f"{self.classes[-1]}.{value.name}"
        else:
            return
        self.summary.references.setdefault(function, {}).setdefault(target, []).append(self.loc(node))

    # -- definitions ------------------------------------------------------------------------
    def function(self, node: cst.FunctionDef, qualname: str, outer: Evaluator | None,
                 in_class: str | None) -> FunctionSummary:
        decorators = [d.decorator for d in node.decorators]
        static = any(code_of(d) in ("staticmethod",) for d in decorators)
        summary = FunctionSummary(
            qualname=qualname, params=_param_names(node),
            is_method=in_class is not None and not static and bool(_param_names(node)),
            is_async=node.asynchronous is not None, line=self.loc(node)[1])
        self.summary.functions[qualname] = summary
        self.functions.append(qualname)
        summary.scope = self.scope()
        self.globals_declared[qualname] = {
            n.name.value for s in _small_statements(node.body) if isinstance(s, cst.Global)
            for n in s.names}
        evaluator = Evaluator(self, summary, in_class, outer.env if outer is not None else None)
        summary.decorators = tuple(evaluator.expr(d) for d in decorators)
        evaluator.bind_params(node)
        evaluator.run(node.body.body)
        if evaluator.returns:
            summary.returns = alt(*evaluator.returns)
        self.functions.pop()
        return summary

    def nested_function(self, node: cst.FunctionDef, outer: Evaluator) -> Value:
        qualname = f"{outer.summary.qualname}.{node.name.value}"
        self.function(node, qualname, outer, None)
        return Ref(qualname)

    def nested_class(self, node: cst.ClassDef, outer: Evaluator) -> Value:
        qualname = f"{outer.summary.qualname}.{node.name.value}"
        self.class_(node, qualname, outer)
        return Ref(qualname)

    def class_(self, node: cst.ClassDef, qualname: str, outer: Evaluator) -> ClassSummary:
        bases = tuple(outer.expr(arg.value) for arg in node.bases)
        summary = ClassSummary(qualname, bases, decorators=tuple(
            outer.expr(d.decorator) for d in node.decorators), line=self.loc(node)[1])
        self.summary.classes[qualname] = summary
        self.classes.append(qualname)
        body = FunctionSummary(qualname=f"{qualname}.<body>", params=(), scope=self.scope())
        evaluator = Evaluator(self, body, qualname, outer.env)
        fields: list[str] = []
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                method = f"{qualname}.{statement.name.value}"
                summary.methods[statement.name.value] = method
                self.function(statement, method, None, qualname)
                continue
            if isinstance(statement, cst.ClassDef):
                self.class_(statement, f"{qualname}.{statement.name.value}", evaluator)
                continue
            evaluator.statement(statement)
            for small in _small_statements(statement):
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    fields.append(small.target.value)
                for name, target in _targets(small):
                    summary.attr_locs[name] = self.loc(target)
        summary.attrs = {k: v for k, v in evaluator.env.items() if not k.startswith("self.")}
        summary.fields = tuple(fields)
        self.classes.pop()
        return summary


def _param_names(node: cst.FunctionDef) -> tuple[str, ...]:
    params = node.params
    return tuple(p.name.value for p in (*params.posonly_params, *params.params,
                                        *params.kwonly_params))


def _small_statements(node: cst.CSTNode) -> Iterator[cst.BaseSmallStatement]:
    """Small statements of a body, nested blocks included, nested definitions excluded."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            yield from current.body
            continue
        for child in child_nodes(current):
            if not isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.BaseExpression)):
                stack.append(child)


def _targets(small: cst.BaseSmallStatement) -> Iterator[tuple[str, cst.CSTNode]]:
    if isinstance(small, cst.Assign):
        for target in small.targets:
            if isinstance(target.target, cst.Name):
                yield target.target.value, target.target
    elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
        yield small.target.value, small.target


def _assigned_names(statement: cst.CSTNode) -> Iterator[str]:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return
    for small in _small_statements(statement):
        for name, _ in _targets(small):
            yield name
        if isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, (cst.Tuple, cst.List)):
                    for element in target.target.elements:
                        if isinstance(element.value, cst.Name):
                            yield element.value.value
    if isinstance(statement, (cst.For, cst.With)):
        for node in ([statement.target] if isinstance(statement, cst.For)
                     else [i.asname.name for i in statement.items if i.asname]):
            if isinstance(node, cst.Name):
                yield node.value


def summarise(module: cst.Module, module_name: str, path: str = "", is_package: bool = False,
              positions: Mapping[cst.CSTNode, CodeRange] | None = None) -> FileSummary:
    """The summary of one module: everything the repository join needs from it. ``positions``
    when the caller has them already (they are the costliest part to work out)."""
    context = FileContext(module, module_name, path, is_package, positions)
    top = FunctionSummary(qualname=f"{module_name}.<module>", params=(),
                          scope=f"{module_name}.<module>")
    context.summary.functions[top.qualname] = top
    evaluator = Evaluator(context, top, None, module_level=True)
    summary = context.summary
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            context.function(statement, f"{module_name}.{statement.name.value}", None, None)
            evaluator.env[statement.name.value] = Ref(f"{module_name}.{statement.name.value}")
        elif isinstance(statement, cst.ClassDef):
            context.class_(statement, f"{module_name}.{statement.name.value}", evaluator)
            evaluator.env[statement.name.value] = Ref(f"{module_name}.{statement.name.value}")
        else:
            evaluator.statement(statement)
    summary.statements = len(module.body)
    first = module.body[0] if module.body else None
    summary.module_docstring = isinstance(first, cst.SimpleStatementLine) and \
        len(first.body) == 1 and isinstance(first.body[0], cst.Expr) and \
        isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    return summary

"""Every binding of a module and the reads that reach it, from one walk over the nodes'
fields: ``Bindings(tree).scope_of(name).own(name.value)[i].reads``.

The answers are LibCST's ``ScopeProvider``'s, node for node (tests/codemods/test_bindings.py
compares them over the fixtures, the sample seller, the standard library and generated
programs): the codemods' output was settled against them, and a rename must reach exactly the
reads it reached before. LibCST's walk re-runs ``ExpressionContextProvider`` and rebuilds
every node it visits; this one reads fields, in the order LibCST visits them (that order
decides which reads come after which binding).

Python's rules, as kept here:
- a class body does not enclose its methods or comprehensions; the first iterable of a
  comprehension is read in the enclosing scope; parameters' defaults and annotations,
  decorators, bases and a def's return annotation are read outside the new scope;
- ``global`` / ``nonlocal`` send a binding to the module / the enclosing function;
- ``import a.b`` binds ``a`` and ``a.b`` (a read of ``a.b.c`` reaches ``a.b``), ``as`` names,
  except-as, with-as, for targets, ``del`` (a read), walrus, parameters;
- a string annotation (``"RSAKey"``) is parsed and reads the names in it, the string node
  standing for them: an import only a string annotation uses stays.
Where LibCST's rules part from Python's they are kept too, or the output would change:
- a read of the same scope reaches a binding only when it comes after it in the walk; an
  earlier read goes to what the enclosing scope binds (in a loop, ``if sig: ...`` before
  ``sig = ...`` does not keep ``sig`` alive);
- ``x += 1`` binds ``x`` and does not read it; a walrus in a comprehension binds in the
  comprehension; match patterns' capture names are reads, not bindings.
"""

from __future__ import annotations

from typing import Union

import libcst as cst

from codemods.binding_scopes import Binding, Scope
from codemods.binding_walk import NameWalk, dotted_names

__all__ = ["Binding", "Bindings", "Scope"]

_Comprehension = Union[cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp]


class Bindings(NameWalk):
    """The bindings and reads of one module, and the scope each name node is in."""

    def __init__(self, tree: cst.Module) -> None:
        super().__init__(tree)
        self._visitors.update({
            cst.Import: self._import, cst.ImportFrom: self._import,
            cst.FunctionDef: self._function, cst.Lambda: self._lambda, cst.Param: self._param,
            cst.ClassDef: self._class, cst.Global: self._global, cst.Nonlocal: self._nonlocal,
            cst.ListComp: self._comprehension, cst.SetComp: self._comprehension,
            cst.DictComp: self._comprehension, cst.GeneratorExp: self._comprehension,
            cst.For: self._for, cst.TypeAlias: self._type_alias, cst.TypeVar: self._type_var,
            cst.TypeVarTuple: self._type_var, cst.ParamSpec: self._type_var})
        self._visit(tree, False)
        self._settle()

    def scope_of(self, node: cst.CSTNode) -> Scope | None:
        """The scope a Name is read or bound in (a def's or class's name: the enclosing one);
        None for names that are neither (attribute names, keywords, imported names)."""
        return self._scopes.get(id(node))

    def _import(self, node: cst.Import | cst.ImportFrom, store: bool) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            as_name = alias.asname.name if alias.asname is not None else alias.name
            for name, _ in dotted_names(as_name):
                self._bind(name, node, as_name)

    def _function(self, node: cst.FunctionDef, store: bool) -> None:
        self._bind(node.name.value, node)
        self._place(node.name)
        outer = self.scope
        if node.type_parameters:
            self.scope = Scope("annotation", outer, node)
            self._visit(node.type_parameters, store)
        around = self.scope
        self.scope = Scope("function", around, node, node.name.value)
        self._visit(node.params, store)
        self._visit(node.body, store)
        self.scope = around
        # Decorators and the return annotation run where the def is, after its body is
        # walked (LibCST's order: a decorator reading the function's own name comes first).
        for decorator in node.decorators:
            self._visit(decorator, store)
        if node.returns:
            self._visit(node.returns, store)
        self.scope = outer

    def _lambda(self, node: cst.Lambda, store: bool) -> None:
        outer, self.scope = self.scope, Scope("function", self.scope, node)
        self._visit(node.params, store)
        self._visit(node.body, store)
        self.scope = outer

    def _param(self, node: cst.Param, store: bool) -> None:
        self._bind(node.name.value, node)
        self._place(node.name)
        inner = self.scope
        assert inner.parent is not None
        self.scope = inner.parent  # defaults and annotations are evaluated where the def is
        for part in (node.default, node.annotation):
            if part is not None:
                self._visit(part, store)
        self.scope = inner

    def _class(self, node: cst.ClassDef, store: bool) -> None:
        self._bind(node.name.value, node)
        self._place(node.name)
        outer = self.scope
        for decorator in node.decorators:
            self._visit(decorator, store)
        if node.type_parameters:
            self.scope = Scope("annotation", outer, node)
            self._visit(node.type_parameters, store)
        for argument in (*node.bases, *node.keywords):
            self._visit(argument, store)
        # The body's own scope, which the functions and comprehensions in it do not see.
        self.scope = Scope("class", self.scope, node, node.name.value)
        for statement in node.body.body:
            self._visit(statement, store)
        self.scope = outer

    def _global(self, node: cst.Global, store: bool) -> None:
        if self.scope.kind != "module":
            for item in node.names:
                self.scope.overrides[item.name.value] = self.module

    def _nonlocal(self, node: cst.Nonlocal, store: bool) -> None:
        if self.scope.kind == "module" or self.scope.parent is None:
            # Python refuses to compile such a module. LibCST's scope analysis raised this
            # too, so the file is still reported failed (the reason names this line now).
            raise NotImplementedError("nonlocal declaration not allowed at module level")
        for item in node.names:
            self.scope.overrides[item.name.value] = self.scope.parent

    def _comprehension(self, node: _Comprehension, store: bool) -> None:
        loop = node.for_in
        self._visit(loop.iter, store)  # the first iterable is evaluated outside
        outer, self.scope = self.scope, Scope("comprehension", self.scope, node)
        self._visit(loop.target, True)
        self.scope.count += 1  # what follows reads the target's binding
        for condition in loop.ifs:
            self._visit(condition, store)
        if loop.inner_for_in:
            self._visit(loop.inner_for_in, store)
        for part in (node.key, node.value) if isinstance(node, cst.DictComp) else (node.elt,):
            self._visit(part, store)
        self.scope = outer

    def _for(self, node: cst.For, store: bool) -> None:
        # LibCST walks the target first: reads in the iterable count as after its binding.
        self._visit(node.target, True)
        self.scope.count += 1
        for part in (node.iter, node.body, node.orelse):
            if part is not None:
                self._visit(part, store)

    def _type_alias(self, node: cst.TypeAlias, store: bool) -> None:
        self._bind(node.name.value, node)
        outer, self.scope = self.scope, Scope("annotation", self.scope, node)
        if node.type_parameters is not None:
            self._visit(node.type_parameters, store)
        self._visit(node.value, store)
        self.scope = outer

    def _type_var(self, node: cst.TypeVar | cst.TypeVarTuple | cst.ParamSpec,
                  store: bool) -> None:
        self._bind(node.name.value, node)
        if isinstance(node, cst.TypeVar) and node.bound is not None:
            self._visit(node.bound, store)

"""Abstract evaluation of one function body (or a module's or class's top-level code).

Statements run in order over an environment of local names; branches are evaluated apart
and joined (a name bound differently on two paths holds both values); loops run once and
join with the state before them. Nothing here knows other files: calls, globals and
attributes of ``self`` stay symbolic (``CallV``, ``Global``, ``SelfAttr``) for the
repository join. What matters to Walmart signing is recorded as it is met: header sites,
requests sent, attribute and path writes, returns, legacy header names and signing calls.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from codemods.flow.library import dict_call
from codemods.flow.summary import EntryRec, FunctionSummary, PathWrite, Send, SiteRec, Store
from codemods.flow.values import (
    Arith,
    CallV,
    Comp,
    Concat,
    Entry,
    Env,
    Field,
    Format,
    Framed,
    Item,
    Lit,
    Loc,
    Local,
    Mapping,
    Mutated,
    Num,
    Opaque,
    Param,
    Ref,
    Self,
    SelfAttr,
    Seq,
    Super,
    Text,
    Unknown,
    Value,
    Via,
    alt,
)
from codemods.names import AUTH_SIGNATURE, LEGACY
from codemods.printing import code_of

if TYPE_CHECKING:
    from codemods.flow.summarise import FileContext

__all__ = ["Evaluator", "is_header_like"]

_VERBS = {"get", "post", "put", "delete", "patch", "head", "options"}
_LEGACY_FOLDED = {h.lower() for h in LEGACY}
# Methods that change the object they are called on, as far as signing cares.
_MUTATORS = {"update", "append", "extend", "insert", "setdefault", "add", "read", "read_file",
             "read_string", "read_dict"}
_HEADER_SETTERS = {"add_header", "putheader", "add_unredirected_header"}
_SIGNING_METHODS = {"sign", "sign_data", "signature"}
_SIGNING_FUNCTIONS = ("hmac.new", "hmac.HMAC", "rsa.sign", "rsa.pkcs1.sign", "hmac.digest")
_ENV_GETTERS = ("os.getenv", "os.environ.get", "os.environ.setdefault", "environ.get")
_STOP = object()  # a branch that ends (return / raise / continue / break)
_CANADA = re.compile(r"/v[23]/ca(?:/|$|\?)|WALMART\.CA", re.IGNORECASE)


def _rollout_call(value: Value) -> bool:
    """A call of the shim's rollout switch, ``shim.auth_headers(...)``, left by a rollout run."""
    func = value.func if isinstance(value, CallV) else None
    name = func.qualname if isinstance(func, Ref) else func.name if isinstance(func, Field) else ""
    return (name.rpartition(".")[2] in ("auth_headers", "aauth_headers") and "shim" in name) or \
        (isinstance(func, Field) and func.name in ("auth_headers", "aauth_headers"))


def _rollout_loop(node: cst.For) -> cst.BaseExpression | None:
    """``for name, value in shim.auth_headers(...).items(): request.add_header(name, value)``:
    the object the headers are added to."""
    body = node.body.body
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or \
            len(body[0].body) != 1 or not isinstance(body[0].body[0], cst.Expr):
        return None
    call = body[0].body[0].value
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and \
            call.func.attr.value in _HEADER_SETTERS:
        return call.func.value
    return None


def _bound_names(target: cst.BaseExpression) -> list[str]:
    """The local names an assignment target binds (all of them, or none if it also sets
    an attribute or an item)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in target.elements:
            inner = _bound_names(element.value)
            if not inner:
                return []
            names.extend(inner)
        return names
    return []


def is_header_like(text: str) -> bool:
    return text[:3].upper() == "WM_" or text.lower() == "authorization"


def _literal(node: cst.CSTNode) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value
    return None


def _key_candidate(node: cst.BaseExpression | None) -> bool:
    """A dict key or header-setter name that may be a Walmart header name."""
    if node is None:
        return False
    text = _literal(node)
    if text is not None:
        return is_header_like(text)
    return isinstance(node, (cst.Name, cst.Attribute, cst.Subscript, cst.Call))


def _looks_dynamic(node: cst.BaseExpression) -> bool:
    """A name built at run time that still looks like a Walmart auth header."""
    if isinstance(node, (cst.FormattedString, cst.BinaryOperation)):
        text = code_of(node)
        return "WM_" in text.upper() or "SIGNATURE" in text.upper()
    return False


class Evaluator:
    """Evaluates one body. ``summary`` collects what the body does; ``env`` holds locals."""

    def __init__(self, file: FileContext, summary: FunctionSummary, class_name: str | None,
                 outer: dict[str, Value] | None = None, module_level: bool = False) -> None:
        self.file = file
        self.summary = summary
        self.class_name = class_name
        self.outer = outer or {}
        self.module_level = module_level
        self.env: dict[str, Value] = {}
        self.returns: list[Value] = []
        self.groups: dict[tuple[str, str], SiteRec] = {}  # (kind, owner) -> site

    # -- names ------------------------------------------------------------------------------
    def bind_params(self, node: cst.FunctionDef) -> None:
        params = node.params
        ordered = [*params.posonly_params, *params.params]
        for index, param in enumerate(ordered):
            name = param.name.value
            if index == 0 and self.summary.is_method:
                self.env[name] = Self()
            else:
                self.env[name] = Param(self.summary.qualname, name, name)
        for param in params.kwonly_params:
            self.env[param.name.value] = Param(self.summary.qualname, param.name.value, param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.env[star.name.value] = Param(self.summary.qualname, star.name.value,
                                                  star.name.value)
        for param in [*ordered, *params.kwonly_params]:
            if param.default is not None:
                self.summary.defaults[param.name.value] = self.expr(param.default)
            if param.annotation is not None and isinstance(param.annotation.annotation,
                                                           (cst.Name, cst.Attribute)):
                self.summary.annotations[param.name.value] = self.expr(param.annotation.annotation)

    def lookup(self, name: str) -> Value:
        if name in self.env:
            return self.env[name]
        if name in self.outer:
            return self.outer[name]
        return self.file.global_value(name)

    # -- statements -------------------------------------------------------------------------
    def run(self, body: Sequence[cst.CSTNode]) -> object:
        """Run statements in order; ``_STOP`` when the block always ends early."""
        for statement in body:
            if self.statement(statement) is _STOP:
                return _STOP
        return None

    def statement(self, node: cst.CSTNode) -> object:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if self.small(small) is _STOP:
                    return _STOP
            return None
        if isinstance(node, cst.If):
            return self._branches([node.body.body, self._orelse(node.orelse)], node.test)
        if isinstance(node, (cst.For, cst.While)):
            self._loop(node)
            return None
        if isinstance(node, cst.With):
            for item in node.items:
                value = self.expr(item.item)
                if item.asname is not None:
                    self.bind(item.asname.name, self._entered(value), item.item)
            return self.run(node.body.body)
        if isinstance(node, cst.Try):
            before = dict(self.env)
            ended = self.run(node.body.body)
            paths = [] if ended is _STOP else [dict(self.env)]
            for handler in node.handlers:
                self.env = dict(before)
                if handler.name is not None:
                    self.bind(handler.name.name, Opaque("exception"), handler)
                if self.run(handler.body.body) is not _STOP:
                    paths.append(dict(self.env))
            if node.orelse is not None and paths:
                self.env = paths[0]
                if self.run(node.orelse.body.body) is not _STOP:
                    paths[0] = dict(self.env)
            self.env = self._join(paths) if paths else before
            if node.finalbody is not None:
                self.run(node.finalbody.body.body)
            return _STOP if not paths else None
        if isinstance(node, cst.FunctionDef):
            self.env[node.name.value] = self.file.nested_function(node, self)
            return None
        if isinstance(node, cst.ClassDef):
            self.env[node.name.value] = self.file.nested_class(node, self)
            return None
        if isinstance(node, cst.Match):
            return self._branches([case.body.body for case in node.cases], node.subject)
        return None

    def _orelse(self, orelse: cst.If | cst.Else | None) -> Sequence[cst.CSTNode]:
        if orelse is None:
            return []
        if isinstance(orelse, cst.If):
            return [orelse]
        return orelse.body.body

    def _branches(self, bodies: list[Sequence[cst.CSTNode]], test: cst.BaseExpression) -> object:
        self.expr(test)
        before = dict(self.env)
        paths = []
        for body in bodies:
            self.env = dict(before)
            if self.run(body) is not _STOP:
                paths.append(dict(self.env))
        if not paths:
            self.env = before
            return _STOP
        self.env = self._join(paths)
        return None

    def _loop(self, node: cst.For | cst.While) -> None:
        before = dict(self.env)
        if isinstance(node, cst.For):
            iterable = self.expr(node.iter)
            self._bind_loop_target(node.target, iterable)
            setter = _rollout_loop(node)
            if setter is not None and isinstance(iterable, CallV) and \
                    isinstance(iterable.func, Field) and _rollout_call(iterable.func.base):
                self._group_site("call", code_of(setter), node, node.iter, Lit(AUTH_SIGNATURE),
                                 iterable.func.base, node.iter)
        else:
            self.expr(node.test)
        ended = self.run(node.body.body)
        after = dict(self.env)
        self.env = self._join([before] if ended is _STOP else [before, after])
        if node.orelse is not None:
            self.run(node.orelse.body.body)

    def _bind_loop_target(self, target: cst.BaseExpression, iterable: Value) -> None:
        """``for name, value in pairs`` binds an element's first and second item."""
        element = Item(iterable, Num(None), "*")
        if isinstance(target, (cst.Tuple, cst.List)):
            for index, item in enumerate(target.elements):
                self.bind(item.value, Item(element, Num(index)), target)
        else:
            self.bind(target, element, target)

    @staticmethod
    def _join(paths: list[dict[str, Value]]) -> dict[str, Value]:
        names: list[str] = []
        for path in paths:
            names.extend(n for n in path if n not in names)
        joined: dict[str, Value] = {}
        for name in names:
            values = [p[name] for p in paths if name in p]
            joined[name] = alt(*values)
        return joined

    def small(self, node: cst.BaseSmallStatement) -> object:
        if isinstance(node, cst.Assign):
            value = self.expr(node.value)
            for target in node.targets:
                self.assign(target.target, value, node)
            names = tuple(n for t in node.targets for n in _bound_names(t.target))
            if names and not self.module_level:
                self.summary.local_binds.append((names, self.file.span(node)))
            return None
        if isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.expr(node.value), node)
            return None
        if isinstance(node, cst.AugAssign):
            value = self.expr(node.value)
            current = self.expr(node.target)
            operator = type(node.operator).__name__
            combined: Value = Concat((current, value)) if operator == "AddAssign" else \
                Mutated(current, "update", (value,)) if operator == "BitOrAssign" else \
                Arith(operator, current, value)
            self.assign(node.target, combined, node)
            return None
        if isinstance(node, cst.Expr):
            self._effect(node.value, node)
            return None
        if isinstance(node, cst.Return):
            if node.value is not None:
                self.returns.append(self.expr(node.value))
            else:
                self.returns.append(Opaque("None"))
            return _STOP
        if isinstance(node, cst.Raise):
            if node.exc is not None:
                self.expr(node.exc)
            return _STOP
        if isinstance(node, (cst.Continue, cst.Break)):
            return _STOP
        if isinstance(node, cst.Assert):
            self.expr(node.test)
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            self._local_import(node)
        return None

    def _local_import(self, node: cst.Import | cst.ImportFrom) -> None:
        for local, qualified in self.file.import_bindings(node):
            self.env[local] = Ref(qualified)

    # -- assignment -------------------------------------------------------------------------
    def assign(self, target: cst.BaseExpression, value: Value, statement: cst.CSTNode) -> None:
        if isinstance(target, cst.Subscript) and len(target.slice) == 1 and \
                isinstance(target.slice[0].slice, cst.Index):
            self._set_item(target, target.slice[0].slice.value, value, statement)
            return
        if isinstance(target, cst.Attribute):
            base = self.expr(target.value)
            if isinstance(base, Self):
                # Read back in the same function, it is still read through the attribute.
                function = self.summary.qualname
                self.env[f"self.{target.attr.value}"] = Via(
                    SelfAttr(target.attr.value), value, function, self.file.loc(statement))
                self.summary.attr_writes.setdefault(target.attr.value, []).append(
                    Store(value, self.file.loc(statement), code_of(getattr(statement, "value", target)),
                          self.file.loc(target), self.file.span(statement)))
            return
        self.bind(target, value, statement)

    def bind(self, target: cst.BaseExpression, value: Value, statement: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            if self.module_level or target.value in self.file.declared_global(self.summary.qualname):
                self.file.store_global(target.value, value, statement, target)
                # Module-level code reads its own names as a script reads locals.
                function = self.summary.qualname
                self.env[target.value] = Via(Local(function, target.value), value, function,
                                             self.file.loc(statement)) if self.module_level else value
            else:
                function = self.summary.qualname
                self.env[target.value] = Via(Local(function, target.value), value, function,
                                             self.file.loc(statement))
        elif isinstance(target, (cst.Tuple, cst.List)):
            items = value.items if isinstance(value, Seq) and len(value.items) == len(target.elements) \
                else None
            for index, element in enumerate(target.elements):
                if isinstance(element, cst.StarredElement):
                    self.bind(element.value, Unknown("a starred unpacking"), statement)
                    continue
                part = items[index] if items is not None else Item(value, Num(index))
                self.bind(element.value, part, statement)
        elif isinstance(target, (cst.Attribute, cst.Subscript)):
            self.assign(target, value, statement)

    def _set_item(self, target: cst.Subscript, key_node: cst.BaseExpression, value: Value,
                  statement: cst.CSTNode) -> None:
        key = self.expr(key_node)
        loc = self.file.loc(statement)
        owner = target.value
        entry = Entry(key, value, loc)
        site = None
        if _key_candidate(key_node) or _looks_dynamic(key_node):
            site = self._group_site("subscript", code_of(owner), statement, key_node, key, value,
                                    getattr(statement, "value", statement))
        if isinstance(owner, cst.Name) and owner.value in self.env:
            self.env[owner.value] = Mutated(self.env[owner.value], "__setitem__", (entry,))
            if site is not None:
                site.value = self.env[owner.value]  # the whole dict, as it stands after this
            return
        root, path = self._path(owner)
        if root is not None:
            self.summary.path_writes.append(PathWrite(root, path, entry, None, loc))

    def _path(self, node: cst.BaseExpression) -> tuple[Value | None, tuple[str, ...]]:
        """``self.session.headers`` -> (Self, ("session", "headers")); a local object or a
        parameter roots its own path."""
        path: list[str] = []
        while isinstance(node, cst.Attribute):
            path.insert(0, node.attr.value)
            node = node.value
        if isinstance(node, cst.Name):
            return self.lookup(node.value), tuple(path)
        if isinstance(node, (cst.Call, cst.Subscript)):
            return self.expr(node), tuple(path)
        return None, ()

    # -- effects of expression statements ----------------------------------------------------
    def _effect(self, node: cst.BaseExpression, statement: cst.CSTNode) -> None:
        call = node.expression if isinstance(node, cst.Await) else node
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)):
            self.expr(node)
            return
        method = call.func.attr.value
        if method in _HEADER_SETTERS and len(call.args) >= 2:
            self._header_setter(call, statement)
            return
        if method not in _MUTATORS:
            self.expr(node)
            return
        args = tuple(self.expr(a.value) for a in call.args if a.keyword is None)
        receiver = call.func.value
        if method == "update" and args and _rollout_call(args[0]):
            self._group_site("subscript", code_of(receiver), statement, call, Lit(AUTH_SIGNATURE),
                             args[0], call.args[0].value)
        if isinstance(receiver, cst.Name) and receiver.value in self.env:
            self.env[receiver.value] = Mutated(self.env[receiver.value], method, args)
            return
        root, path = self._path(receiver)
        if root is not None and method in ("update", "setdefault") and args:
            if method == "update":
                self.summary.path_writes.append(PathWrite(root, path, None, args[0],
                                                          self.file.loc(statement)))
            elif len(args) == 2:
                self.summary.path_writes.append(PathWrite(root, path, Entry(args[0], args[1],
                                                                            self.file.loc(statement)),
                                                          None, self.file.loc(statement)))
        self.expr(node)

    def _header_setter(self, call: cst.Call, statement: cst.CSTNode) -> None:
        assert isinstance(call.func, cst.Attribute)
        name_node, value_node = call.args[0].value, call.args[1].value
        key, value = self.expr(name_node), self.expr(value_node)
        loc = self.file.loc(statement)
        if _key_candidate(name_node) or _looks_dynamic(name_node):
            self._group_site("call", code_of(call.func.value), statement, name_node, key, value,
                             value_node)
        root, path = self._path(call.func.value)
        if root is not None:
            self.summary.path_writes.append(PathWrite(root, (*path, "headers"), Entry(key, value, loc),
                                                      None, loc))

    def _group_site(self, kind: str, owner: str, statement: cst.CSTNode, key_node: cst.BaseExpression,
                    key: Value, value: Value, value_node: cst.CSTNode) -> SiteRec:
        site = self.groups.get((kind, owner))
        loc = self.file.loc(statement)
        if site is None:
            site = self.file.new_site(kind, self.summary, loc, owner)
            self.groups[(kind, owner)] = site
        if _looks_dynamic(key_node):
            site.dynamic = site.dynamic or code_of(key_node)
        site.entries.append(EntryRec(key, value, loc, span=self.file.span(statement),
                                     value_span=self.file.span(value_node)))
        return site

    # -- expressions ------------------------------------------------------------------------
    def expr(self, node: cst.BaseExpression) -> Value:
        if isinstance(node, cst.Name):
            value = self.lookup(node.value)
            if isinstance(value, (Ref, SelfAttr)):
                self.file.reference(self.summary.qualname, value, node)
            if node.value in self.env and not self.module_level:
                self.summary.local_reads.setdefault(node.value, []).append(self.file.loc(node))
            return value
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = _literal(node)
            if text is not None and text.lower() in _LEGACY_FOLDED:
                self.file.occurrence("header", text, node, self.summary.qualname)
            if text is not None and _CANADA.search(text):
                self.file.summary.canada_functions.add(self.summary.qualname)
            return Lit(text) if text is not None else Unknown("a string literal")
        if isinstance(node, (cst.Integer, cst.Float)):
            try:
                return Num(float(node.evaluated_value))
            except (TypeError, ValueError):
                return Num(None)
        if isinstance(node, cst.FormattedString):
            return self._fstring(node)
        if isinstance(node, cst.Attribute):
            return self._attribute(node)
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.Subscript):
            base = self.expr(node.value)
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                key = self.expr(node.slice[0].slice.value)
                if isinstance(base, Ref) and base.qualname in ("os.environ", "environ"):
                    return Env(key.text if isinstance(key, Lit) else "", code_of(node),
                               self.file.loc(node.slice[0].slice.value))
                if isinstance(key, Lit):
                    self.file.item_read(self.summary.qualname, base, key.text, node.slice[0].slice.value)
                return Item(base, key, code_of(node), self.file.loc(node.slice[0].slice.value))
            return Framed(base, "slice")  # part of the same text
        if isinstance(node, cst.BinaryOperation):
            return self._binary(node)
        if isinstance(node, cst.Dict):
            return self._dict(node)
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            return self._sequence(node)
        if isinstance(node, cst.IfExp):
            self.expr(node.test)
            return alt(self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, cst.BooleanOperation):
            left, right = self.expr(node.left), self.expr(node.right)
            return alt(left, right) if isinstance(node.operator, cst.Or) else right
        if isinstance(node, cst.Await):
            return self.expr(node.expression)
        if isinstance(node, cst.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, value, node)
            return value
        if isinstance(node, cst.DictComp):
            return self._dict_comprehension(node)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return self._comprehension(node)
        if isinstance(node, cst.Lambda):
            return Opaque("a lambda")
        if isinstance(node, cst.Yield):
            if isinstance(node.value, cst.BaseExpression):
                self.summary.yields = (*self.summary.yields, self.expr(node.value))
            return Opaque("what the generator is sent")
        if isinstance(node, cst.UnaryOperation):
            self.expr(node.expression)
            return Opaque("a number")
        if isinstance(node, cst.Comparison):
            self.expr(node.left)
            for target in node.comparisons:
                self.expr(target.comparator)
            return Opaque("a comparison")
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.expr(child)
        return Opaque(type(node).__name__)

    def _fstring(self, node: cst.FormattedString) -> Value:
        parts: list[Value] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                if _CANADA.search(part.value):
                    self.file.summary.canada_functions.add(self.summary.qualname)
                parts.append(Lit(part.value.replace("{{", "{").replace("}}", "}")
                                 .encode("latin-1", "backslashreplace").decode("unicode_escape")
                                 if "\\" in part.value else part.value.replace("{{", "{").replace("}}", "}")))
            elif isinstance(part, cst.FormattedStringExpression):
                parts.append(self.expr(part.expression))
        return Text(tuple(parts))

    def _attribute(self, node: cst.Attribute) -> Value:
        base = self.expr(node.value)
        name = node.attr.value
        self.file.attribute_names.add(name)
        if isinstance(base, Self):
            value = self.env.get(f"self.{name}", SelfAttr(name))
            self.file.attribute_read(self.summary.qualname, name, base, node.attr)
        elif isinstance(base, Ref):
            value = Ref(f"{base.qualname}.{name}")
            if not base.qualname.startswith("builtins."):  # settings.x on an imported object
                self.file.attribute_read(self.summary.qualname, name, base, node.attr)
        else:
            self.file.attribute_read(self.summary.qualname, name, base, node.attr)
            return Field(base, name, self.file.loc(node.attr))
        if isinstance(value, (Ref, SelfAttr)):
            self.file.reference(self.summary.qualname, value, node)
        return value

    def _binary(self, node: cst.BinaryOperation) -> Value:
        left, right = self.expr(node.left), self.expr(node.right)
        if isinstance(node.operator, cst.Add):
            return Concat((left, right))
        if isinstance(node.operator, cst.Modulo):
            return Format(left, right)
        if isinstance(node.operator, cst.BitOr):
            return Mutated(left, "update", (right,))
        return Arith(type(node.operator).__name__, left, right)

    def _dict(self, node: cst.Dict) -> Value:
        entries: list[Entry] = []
        spreads: list[Value] = []
        records: list[EntryRec] = []
        dynamic = ""
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                spread = self.expr(element.value)
                spreads.append(spread)
                if _rollout_call(spread):  # a rollout run's **shim.auth_headers(...)
                    records.append(EntryRec(Lit(AUTH_SIGNATURE), spread, self.file.loc(element),
                                            span=self.file.span(element),
                                            value_span=self.file.span(element.value)))
                continue
            assert isinstance(element, cst.DictElement)
            key, value = self.expr(element.key), self.expr(element.value)
            loc = self.file.loc(element)
            entries.append(Entry(key, value, loc))
            if _key_candidate(element.key) or _looks_dynamic(element.key):
                records.append(EntryRec(key, value, loc, span=self.file.span(element),
                                        value_span=self.file.span(element.value)))
                if not _key_candidate(element.key):
                    dynamic = dynamic or code_of(element.key)
        loc = self.file.loc(node)
        # Spreads first: entries written in the literal win over what is spread before them.
        mapping = Mapping(tuple(entries), tuple(spreads), loc)
        if records:
            site = self.file.new_site("dict", self.summary, loc, "")
            site.entries = records
            site.dynamic = dynamic
            site.value = mapping
        return mapping

    def _sequence(self, node: cst.Tuple | cst.List | cst.Set) -> Value:
        items: list[Value] = []
        locs: list[Loc] = []
        spans = []
        pairs: list[EntryRec] = []
        starred: list[tuple[int, Value]] = []
        for element in node.elements:
            locs.append(self.file.loc(element))
            spans.append(self.file.span(element))
            if isinstance(element, cst.StarredElement):
                starred.append((len(items), self.expr(element.value)))
                continue
            value = self.expr(element.value)
            items.append(value)
            inner = element.value
            if isinstance(inner, (cst.Tuple, cst.List)) and len(inner.elements) == 2 and \
                    _key_candidate(inner.elements[0].value) and isinstance(value, Seq):
                pairs.append(EntryRec(value.items[0], value.items[1], self.file.loc(element),
                                      span=self.file.span(element),
                                      value_span=self.file.span(inner.elements[1].value)))
        loc = self.file.loc(node)
        if pairs:
            site = self.file.new_site("pairs", self.summary, loc, "")
            site.entries = pairs
        if starred:  # [a, *rest, b]: the pieces joined once the spread is known
            pieces: list[Value] = []
            start = 0
            for index, value in starred:
                pieces.extend((Seq(tuple(items[start:index])), value))
                start = index
            pieces.append(Seq(tuple(items[start:])))
            return Concat(tuple(pieces))
        return Seq(tuple(items), loc, tuple(locs), tuple(spans))

    def _dict_comprehension(self, node: cst.DictComp) -> Value:
        """``{k: v for k, v in pairs}`` is the pairs as a mapping; anything else is opaque."""
        self._comprehension_scope(node)
        generator = node.for_in
        if generator.inner_for_in is None and not generator.ifs and \
                isinstance(generator.target, cst.Tuple) and len(generator.target.elements) == 2 and \
                isinstance(node.key, cst.Name) and isinstance(node.value, cst.Name):
            names = [e.value for e in generator.target.elements]
            if all(isinstance(n, cst.Name) for n in names) and \
                    [n.value for n in names] == [node.key.value, node.value.value]:  # type: ignore[attr-defined]
                return CallV(Ref("builtins.dict"), (self.expr(generator.iter),), (), self.file.loc(node))
        return Opaque("a dict comprehension")

    def _comprehension(self, node: cst.ListComp | cst.GeneratorExp | cst.SetComp) -> Value:
        """``[f(x) for x in items]``: the element with ``x`` as a placeholder, mapped over the
        items once they are known; with filters or nested loops, opaque."""
        generator = node.for_in
        iterable = self.expr(generator.iter)
        if generator.inner_for_in is not None or generator.ifs:
            return Opaque("a comprehension")
        var = Param(f"{self.summary.qualname}.<comprehension>", code_of(generator.target))
        saved = dict(self.env)
        if isinstance(generator.target, cst.Name):
            self.env[generator.target.value] = var
        elif isinstance(generator.target, (cst.Tuple, cst.List)):
            for index, element in enumerate(generator.target.elements):
                if isinstance(element.value, cst.Name):
                    self.env[element.value.value] = Item(var, Num(index))
        else:
            return Opaque("a comprehension")
        item = self.expr(node.elt)
        self.env = saved
        return Comp(item, var, iterable)

    def _comprehension_scope(self, node: cst.DictComp) -> None:
        self.expr(node.for_in.iter)  # its one direct generator: inner ones are in its scope

    def _entered(self, value: Value) -> Value:
        """``with x as y``: y is x for clients, sessions and files (their __enter__ is self)."""
        return value

    # -- calls ------------------------------------------------------------------------------
    def _call(self, node: cst.Call) -> Value:
        args: list[Value] = []
        kwargs: list[tuple[str, Value]] = []
        for arg in node.args:
            value = self.expr(arg.value)
            if arg.keyword is not None:
                kwargs.append((arg.keyword.value, value))
            elif arg.star == "*":
                args.append(Unknown("arguments unpacked with *"))
            elif arg.star == "**":
                kwargs.append(("**", value))
            else:
                args.append(value)
        func = self._callee(node.func)
        loc = self.file.loc(node)
        if isinstance(func, Ref) and func.qualname == "builtins.super" and self.class_name:
            return Super(self.class_name)
        if isinstance(func, Field) and func.name == "get" and args and isinstance(args[0], Lit):
            self.file.item_read(self.summary.qualname, func.base, args[0].text, node.args[0].value)
        if isinstance(func, Ref) and func.qualname in _ENV_GETTERS and args:
            variable = args[0]
            return Env(variable.text if isinstance(variable, Lit) else "", code_of(node),
                       self.file.loc(node.args[0].value))
        if isinstance(func, Ref) and func.qualname == "builtins.dict" and len(args) <= 1:
            # each keyword placed at its name: a rename rewrites it as it does a quoted key
            return dict_call(args, kwargs, loc, {arg.keyword.value: self.file.loc(arg.keyword)
                                                 for arg in node.args if arg.keyword is not None})
        result = CallV(func, tuple(args), tuple(kwargs), loc)
        self.summary.calls.append(result)
        self._notice_call(node, func, result)
        return result

    def _callee(self, func: cst.BaseExpression) -> Value:
        if isinstance(func, cst.Attribute):
            base = self.expr(func.value)
            name = func.attr.value
            self.file.attribute_names.add(name)
            if isinstance(base, Self):
                value = self.env.get(f"self.{name}", SelfAttr(name))
                self.file.attribute_read(self.summary.qualname, name, base, func.attr)
            elif isinstance(base, Ref):
                value = Ref(f"{base.qualname}.{name}")
            else:
                self.file.attribute_read(self.summary.qualname, name, base, func.attr)
                return Field(base, name, self.file.loc(func.attr))
            if isinstance(value, (Ref, SelfAttr)):
                self.file.reference(self.summary.qualname, value, func)
            return value
        return self.expr(func)

    def _notice_call(self, node: cst.Call, func: Value, call: CallV) -> None:
        """Record sends, zip sites and signing calls."""
        name = func.qualname if isinstance(func, Ref) else ""
        method = func.name if isinstance(func, (Field, SelfAttr)) else name.rpartition(".")[2]
        if name in ("builtins.zip", "zip") and len(call.args) == 2:
            site = self.file.new_site("zip", self.summary, call.loc, "")
            site.zip_args = (call.args[0], call.args[1])
        # A call that may sign; the repository join tells whether it does.
        if method in _SIGNING_METHODS or name.endswith(_SIGNING_FUNCTIONS) or self._runs_jar(node):
            self.file.occurrence("signing", code_of(node.func), node, self.summary.qualname)
        send = self._send(node, func, call)
        if send is not None:
            self.summary.sends.append(send)

    @staticmethod
    def _runs_jar(node: cst.Call) -> bool:
        return any("DigitalSignatureUtil" in code_of(a.value) for a in node.args[:1])

    def _send(self, node: cst.Call, func: Value, call: CallV) -> Send | None:
        """A call that sends headers (or builds a request or client with them)."""
        kwargs = dict(call.kwargs)
        method_name = func.name if isinstance(func, (Field, SelfAttr)) else \
            func.qualname.rpartition(".")[2] if isinstance(func, Ref) else ""
        headers = kwargs.get("headers")
        lowered = method_name.lower()
        if lowered in ("urlopen", "send") and call.args and headers is None:
            return Send(call.loc, None, None, None, call.args[0])  # a request built earlier
        positional_url = call.args[0] if call.args else None
        verb: str | None = lowered.upper() if lowered in _VERBS else None
        url = kwargs.get("url")
        if lowered in ("request", "stream", "fetch", "build_request") and call.args:
            verb_value = call.args[0]
            if isinstance(verb_value, Lit) and verb_value.text.lower() in _VERBS:
                verb = verb_value.text.upper()
            url = url or (call.args[1] if len(call.args) > 1 else None)
            if headers is None and len(call.args) > 3 and lowered == "request":
                headers = call.args[3]  # http.client: conn.request(method, url, body, headers)
        elif lowered == "request" or method_name == "Request":
            url = url or positional_url
            if headers is None and len(call.args) > 2:
                headers = call.args[2]  # urllib.request.Request(url, data, headers)
        else:
            url = url or positional_url
        method_kw = kwargs.get("method")
        if isinstance(method_kw, Lit) and method_kw.text.lower() in _VERBS:
            verb = method_kw.text.upper()
        if headers is None and verb is None:
            return None
        client = func.base if isinstance(func, Field) else SelfAttr(func.name) \
            if isinstance(func, SelfAttr) else None
        return Send(call.loc, url, verb, headers, client)

"""The repository join: every file's summary together, and the evaluation of a symbolic value
against them - globals of other modules, attributes of ``self`` through the class hierarchy
(mixins and base classes in any module), calls into repository functions (their summary
instantiated with the caller's arguments), partials, objects kept on attributes, dataclass
and NamedTuple fields, and library calls.

Evaluation is bounded (call depth, recursion) and memoised; what cannot be followed becomes
``Unknown`` with the reason and the line, which a finding then reports."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from codemods.flow.library import call_library, call_method, format_text, signed_data, strip
from codemods.flow.summary import ClassSummary, FileSummary, FunctionSummary
from codemods.flow.values import (
    NOWHERE,
    SELF,
    Alt,
    Arith,
    CallV,
    Comp,
    Concat,
    Config,
    Derived,
    Digest,
    Entry,
    Env,
    Field,
    FileText,
    Format,
    Framed,
    Global,
    Instance,
    Item,
    JarOut,
    Key,
    Lit,
    Loc,
    Mapping,
    Mutated,
    Num,
    Opaque,
    Param,
    Partial,
    Ref,
    Self,
    SelfAttr,
    Seq,
    Sig,
    Signer,
    Super,
    Text,
    Time,
    Unknown,
    Value,
    Via,
    Zip,
    alt,
)

__all__ = ["Repository", "children", "substitute"]

# Methods of a parsed configuration (a dict, a configparser section), not keys read from it.
_MAPPING_METHODS = frozenset({"get", "getint", "getfloat", "getboolean", "items", "keys",
                              "values", "copy", "setdefault", "pop", "update", "sections"})

_MAX_DEPTH = 24
_DATA_BASES = ("typing.NamedTuple", "collections.namedtuple", "pydantic.BaseModel",
               "pydantic.BaseSettings", "pydantic_settings.BaseSettings", "BaseSettings", "BaseModel")
_DATACLASS = ("dataclasses.dataclass", "attr.s", "attr.define", "attrs.define", "attr.attrs",
              "attrs.frozen", "dataclass")


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    """The compared fields of a value class (where its sub-values are), once per class."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.compare)
    return found


_VALUE_TYPES: dict[type, bool] = {}


def _is_value(item: object) -> bool:
    kind = type(item)
    found = _VALUE_TYPES.get(kind)
    if found is None:  # a dataclass instance (not a dataclass itself), once per type
        found = _VALUE_TYPES[kind] = dataclasses.is_dataclass(kind) and not issubclass(kind, type)
    return found


def children(value: Value) -> list[Value]:
    """The sub-values of a value, in field order (arguments, entries, pieces...). Written out
    flat: planning asks it of every value, often more than once."""
    found: list[Value] = []
    known = _VALUE_TYPES
    for name in _FIELDS.get(type(value)) or _fields(type(value)):
        item = getattr(value, name)
        is_value = known.get(type(item))
        if is_value is None:
            is_value = _is_value(item)
        if is_value:
            found.append(item)
        elif isinstance(item, tuple):
            _values_in(item, found)
    return found


def _values_in(item: object, found: list[Value]) -> None:
    if _is_value(item):
        found.append(item)  # type: ignore[arg-type]
    elif isinstance(item, tuple):
        for inner in item:
            _values_in(inner, found)


def map_children(value: Value, function: Callable[[Value], Value]) -> Value:
    """The value with ``function`` applied to each of its immediate sub-values."""
    changes: dict[str, Any] = {}
    for name in _fields(type(value)):
        current = getattr(value, name)
        new = _map_field(current, function)
        if new is not current:
            changes[name] = new
    return dataclasses.replace(value, **changes) if changes else value


def _map_field(current: Any, function: Callable[[Value], Value]) -> Any:
    if _is_value(current):
        return function(current)
    if isinstance(current, tuple) and current and not isinstance(current[0], (str, int)):
        items = tuple(_map_field(item, function) for item in current)
        return items if any(a is not b for a, b in zip(items, current)) else current
    if isinstance(current, tuple) and len(current) == 2 and isinstance(current[0], str) and \
            _is_value(current[1]):
        new = function(current[1])
        return current if new is current[1] else (current[0], new)
    return current


def substitute(value: Value, params: dict[Param, Value], receiver: Value | None) -> Value:
    """A callee's value in its caller's terms: parameters become the arguments, and - for a
    method called on another object - ``self`` and its attributes become that object's."""
    def swap(current: Value) -> Value:
        if isinstance(current, Param):
            return params.get(current, current)
        if receiver is not None and not isinstance(receiver, Self):
            if isinstance(current, Self):
                return receiver
            if isinstance(current, SelfAttr):
                return Field(receiver, current.name)
        return map_children(current, swap)

    if not params and (receiver is None or isinstance(receiver, Self)):
        return value
    return swap(value)


class Repository:
    """Every summary, and evaluation against them."""

    def __init__(self, files: list[FileSummary]) -> None:
        self.files = {f.module: f for f in files}
        self.functions: dict[str, FunctionSummary] = {}
        self.classes: dict[str, ClassSummary] = {}
        for file in files:
            self.functions.update(file.functions)
            self.classes.update(file.classes)
        self._memo: dict[tuple[Value, str | None], Value] = {}
        self._active: list[tuple[Value, str | None]] = []
        self._depth = 0
        self._mro: dict[str, list[str]] = {}
        self._lookup: dict[str, tuple[str, Any]] = {}
        self._made: set[str] | None = None
        self._callers: dict[str, list[tuple[str, CallV, int, str | None]]] | None = None

    # -- definitions ----------------------------------------------------------------------
    def lookup(self, qualname: str, hops: int = 0) -> tuple[str, Any]:
        """What a qualified name names: ("function", q), ("class", q), ("global", (module,
        name)), ("attr", (class, name)), ("module", m) or ("library", q)."""
        found = self._lookup.get(qualname)
        if found is None:
            found = self._find(qualname, hops)
            self._lookup[qualname] = found
        return found

    def _find(self, qualname: str, hops: int) -> tuple[str, Any]:
        if qualname in self.functions:
            return "function", qualname
        if qualname in self.classes:
            return "class", qualname
        if qualname in self.files:
            return "module", qualname
        prefix, _, name = qualname.rpartition(".")
        if not prefix or hops > 8:
            return "library", qualname
        owner = self.lookup(prefix, hops + 1)
        if owner[0] == "module":
            file = self.files[owner[1]]
            if name in file.globals:
                return "global", (owner[1], name)
            if name in file.imports:
                return self.lookup(file.imports[name], hops + 1)
            return "missing", qualname
        if owner[0] == "class":
            for klass in self.mro(owner[1]):
                summary = self.classes[klass]
                if name in summary.methods:
                    return "function", summary.methods[name]
                if name in summary.attrs:
                    return "attr", (klass, name)
            return "missing", qualname
        if owner[0] in ("global", "attr"):
            return "field", (prefix, name)
        if owner[0] == "library":
            return "library", qualname
        return "missing", qualname

    def mro(self, klass: str) -> list[str]:
        """The repository classes ``klass`` inherits from, in Python's order (C3)."""
        if klass in self._mro:
            return self._mro[klass]
        self._mro[klass] = [klass]  # a cycle in broken code ends here
        bases = [b for b in self.base_classes(klass) if b in self.classes]
        sequences = [list(self.mro(b)) for b in bases] + [list(bases)]
        result = [klass]
        while any(sequences):
            for sequence in sequences:
                head = sequence[0] if sequence else None
                if head is not None and not any(head in s[1:] for s in sequences):
                    break
            else:
                head = next(s[0] for s in sequences if s)  # inconsistent: take the first
            result.append(head)
            sequences = [s[1:] if s and s[0] == head else s for s in sequences]
        self._mro[klass] = result
        return result

    def base_classes(self, klass: str) -> list[str]:
        """Qualified names of the bases (repository or library)."""
        names = []
        for base in self.classes[klass].bases:
            resolved = strip(self.ev(base, None))
            if isinstance(resolved, Ref):
                kind, what = self.lookup(resolved.qualname)
                names.append(what if kind in ("class", "library") else resolved.qualname)
            elif isinstance(base, Ref):
                names.append(base.qualname)
        return names

    def library_bases(self, klass: str) -> set[str]:
        return {b for k in self.mro(klass) for b in self.base_classes(k) if b not in self.classes}

    def subclasses(self, klass: str) -> list[str]:
        """Repository classes that have ``klass`` in their MRO (itself first)."""
        return [klass, *sorted(c for c in self.classes if c != klass and klass in self.mro(c))]

    def abstract(self, context: str | None, contexts: list[str | None]) -> bool:
        """A class never made itself (a mixin, a base), whose subclasses are among the
        contexts judged: what it cannot tell on its own, they can."""
        if context is None or not any(c != context and c is not None and
                                      context in self.mro(c) for c in contexts):
            return False
        return context not in self.instantiated()

    def instantiated(self) -> set[str]:
        """Repository classes some code makes an object of."""
        if self._made is None:
            self._made = set()
            for function in self.functions.values():
                for call in function.calls:
                    callee = strip(self.ev(call.func, None)) \
                        if not isinstance(call.func, (SelfAttr, Self)) else None
                    if isinstance(callee, Ref) and self.lookup(callee.qualname)[0] == "class":
                        self._made.add(self.lookup(callee.qualname)[1])
        return self._made

    def context_of(self, function: str) -> str | None:
        """The class ``self`` is in a function (or a class body), through nested functions."""
        current = function
        while current:
            owner = self.class_of_function(current)
            if owner is not None:
                return owner
            if current.endswith(".<body>"):
                return current[: -len(".<body>")]
            current = current.rpartition(".")[0]
        return None

    def argument(self, function: str, call: CallV, shift: int, name: str) -> Value | None:
        """What ``call`` (one of ``callers(function)``, with its ``shift``) passes for the
        parameter ``name``, as written: by keyword or by position; None when it passes none."""
        given = dict(call.kwargs).get(name)
        summary = self.functions.get(function)
        if given is None and summary is not None:
            params = summary.params[1:] if summary.is_method else summary.params
            index = params.index(name) + shift if name in params else -1
            if 0 <= index < len(call.args):
                given = call.args[index]
        return given

    def callers(self, function: str) -> list[tuple[str, CallV, int, str | None]]:
        """Every call of ``function`` in the repository: (calling function, the call, how many
        leading positional arguments are not its parameters, the caller's class). Each call's
        callee is evaluated once, however many parameters are followed."""
        if self._callers is None:
            self._callers = {}
            for caller in self.functions.values():
                context = self.context_of(caller.qualname)
                made_by_cls = any(isinstance(d, Ref) and d.qualname.endswith("classmethod")
                                  for d in caller.decorators)
                for call in caller.calls:
                    for target, shift in self.call_targets(call, context, made_by_cls):
                        self._callers.setdefault(target, []).append(
                            (caller.qualname, call, shift, context))
        return self._callers.get(function, [])

    def call_targets(self, call: CallV, context: str | None,
                      made_by_cls: bool = False) -> list[tuple[str, int]]:
        callee = strip(self.ev(call.func, context))
        bound = 0
        if isinstance(callee, Partial):
            # A bound method (super().__init__), or a functools.partial whose first arguments
            # were given where it was made (that call is counted on its own).
            bound = len(callee.args)
            callee = strip(callee.func)
        elif isinstance(callee, Ref) and callee.qualname.endswith("functools.partial") and call.args:
            made = strip(self.ev(call.args[0], context))
            if isinstance(made, Ref) and self.lookup(made.qualname)[0] == "function":
                return [(self.lookup(made.qualname)[1], 1)]  # functools.partial(function, *first)
            return []
        if made_by_cls and isinstance(callee, Self) and context is not None and bound == 0 and \
                not isinstance(call.func, (SelfAttr, Field)):
            callee = Ref(context)  # cls(...) in a classmethod
        if not isinstance(callee, Ref):
            return []
        kind, what = self.lookup(callee.qualname)
        if kind == "class":
            init = self.lookup(f"{what}.__init__")
            return [(init[1], 0)] if init[0] == "function" else []
        if kind != "function":
            return []
        # Base.__init__(self, ...) or Class.method(obj, ...): the receiver is passed first.
        unbound = bound == 0 and self.functions[what].is_method and \
            self.class_of_function(what) is not None and not isinstance(call.func, (SelfAttr, Field))
        return [(what, (1 if unbound else 0) - bound)]

    def is_data_class(self, klass: str) -> bool:
        summary = self.classes[klass]
        names = []
        for decorator in summary.decorators:  # @dataclass or @dataclass(frozen=True)
            named = strip(self.ev(decorator.func if isinstance(decorator, CallV) else decorator, None))
            if isinstance(named, Ref):
                names.append(named.qualname)
        if any(n.endswith(_DATACLASS) for n in names):
            return True
        return any(b.endswith(_DATA_BASES) for b in self.library_bases(klass))

    def class_of_function(self, qualname: str) -> str | None:
        owner = qualname.rpartition(".")[0]
        return owner if owner in self.classes and \
            self.classes[owner].methods.get(qualname.rpartition(".")[2]) == qualname else None

    # -- evaluation -----------------------------------------------------------------------
    @staticmethod
    def _uses_self(value: Value) -> bool:
        """Whether the value can depend on the receiver's class (most cannot: cache them
        once). Kept on the value (``values.SELF``, as its hash is): ``ev`` asks it of a
        value and again of each part it resolves, in every plan a run makes, and walking
        every value whole each time was a fifth of making the plan."""
        found = value.__dict__.get(SELF)
        if found is not None:
            return found  # type: ignore[no-any-return]
        stack: list[tuple[Value, list[Value] | None]] = [(value, None)]
        while stack:  # children before their parent, without recursion
            current, parts = stack.pop()
            held = current.__dict__
            if SELF in held:
                continue
            if isinstance(current, (SelfAttr, Self)):
                held[SELF] = True
            elif parts is None:
                parts = children(current)
                stack.append((current, parts))
                stack.extend((part, None) for part in parts if SELF not in part.__dict__)
            else:
                held[SELF] = any(p.__dict__[SELF] for p in parts)
        return value.__dict__[SELF]  # type: ignore[no-any-return]

    def ev(self, value: Value, cls: str | None) -> Value:
        """``value`` resolved as far as the repository allows, for a receiver of class
        ``cls`` (the class ``self`` is an instance of, when there is one)."""
        if isinstance(value, (Lit, Num, Time, Opaque, Unknown, Param, Self, Env, Key, Signer,
                              Digest, Sig, JarOut, Partial, Instance, FileText, Config,
                              Derived)):
            return value
        key = (value, cls if self._uses_self(value) else None)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        if key in self._active or self._depth > _MAX_DEPTH:
            return Unknown("the value depends on itself (recursion) or on too deep a call chain")
        self._active.append(key)
        self._depth += 1
        try:
            result = self._ev(value, cls)
        finally:
            self._active.pop()
            self._depth -= 1
        self._memo[key] = result
        return result

    def _ev(self, value: Value, cls: str | None) -> Value:
        if isinstance(value, (Via, Framed)):  # made in one file, or moved by a call
            inner = self.ev(value.value, cls)
            return value if inner is value.value else dataclasses.replace(value, value=inner)
        if isinstance(value, SelfAttr):
            return self.attribute(cls, value.name, Self()) if cls else value
        if isinstance(value, Global):
            return self._global(value)
        if isinstance(value, Ref):
            return self._ref(value, cls)
        if isinstance(value, Field):
            return self._field(value, cls)
        if isinstance(value, Item):
            return self._item(value, cls)
        if isinstance(value, CallV):
            return self._call(value, cls)
        if isinstance(value, Concat):
            return self._concat([self.ev(p, cls) for p in value.parts])
        if isinstance(value, Text):
            return self._concat([self.ev(p, cls) for p in value.parts], text=True)
        if isinstance(value, Format):
            template = strip(self.ev(value.template, cls))
            args = strip(self.ev(value.args, cls))
            values = args.items if isinstance(args, Seq) else (value.args,)
            if isinstance(template, Lit):
                return self.ev(format_text(template.text, values), cls)
            return Unknown("text formatted with a template that is not a literal")
        if isinstance(value, Arith):
            left, right = strip(self.ev(value.left, cls)), strip(self.ev(value.right, cls))
            if isinstance(left, Time) or isinstance(right, Time):
                return Time()
            return Opaque("a number")
        if isinstance(value, Mutated):
            return self._mutated(value, cls)
        if isinstance(value, Alt):
            return alt(*(self.ev(o, cls) for o in value.options))
        if isinstance(value, Comp):
            items = strip(self.ev(value.iterable, cls))
            if isinstance(items, Seq):
                return Seq(tuple(self.ev(substitute(value.element, {value.var: item}, None), cls)
                                 for item in items.items), items.loc, items.locs)
            # Items we cannot list: one stands for them all (PEM lines cut from one key).
            return Seq((self.ev(substitute(value.element, {value.var: Opaque("an item")}, None),
                                cls),))
        if isinstance(value, (Seq, Mapping, Zip, Entry)):
            return value  # their parts are resolved when they are read
        return value

    def _global(self, value: Global) -> Value:
        file = self.files.get(value.module)
        if file is None:
            return Unknown(f"{value.module}.{value.name} is in a module this run did not read")
        if value.name not in file.globals:
            if value.name in file.imports:
                return self.ev(Ref(file.imports[value.name]), None)
            return Unknown(f"{value.name} is not assigned in {value.module}")
        stores = file.global_stores.get(value.name, [])
        loc = stores[-1].loc if stores else (value.module, 0, 0)
        return Via(value, self.ev(file.globals[value.name], None), value.module, loc)

    def _ref(self, value: Ref, cls: str | None) -> Value:
        kind, what = self.lookup(value.qualname)
        if kind in ("function", "class"):
            return Ref(what)
        if kind == "global":
            return self._global(Global(*what))
        if kind == "attr":
            klass, name = what
            summary = self.classes[klass]
            return Via(Field(Ref(klass), name), self.ev(summary.attrs[name], None),
                       f"{klass}.<body>", summary.attr_locs.get(name, (klass, 0, 0)))
        if kind == "field":
            prefix, name = what
            return self.ev(Field(Ref(prefix), name), cls)
        if kind == "missing":
            return Unknown(f"{value.qualname} is not defined in the modules this run read")
        return value

    def attribute(self, cls: str, name: str, receiver: Value, loc: Loc = NOWHERE) -> Value:
        """``receiver.name`` for an instance of repository class ``cls``: attribute writes in
        any method of its MRO (``__init__``'s parameters bound when the instance's
        constructor arguments are known), then class attributes, then methods."""
        carrier = SelfAttr(name) if isinstance(receiver, Self) else Field(receiver, name, loc)
        writes: list[Value] = []
        for klass in self.mro(cls):
            for method in self.classes[klass].methods.values():
                function = self.functions[method]
                for store in function.attr_writes.get(name, []):
                    bound = self._bind_init(function, receiver, store.value)
                    writes.append(Via(carrier, self.ev(bound, cls), method, store.loc))
        if writes:
            return alt(*writes)
        instance = strip(receiver)
        for klass in self.mro(cls):
            summary = self.classes[klass]
            if name in summary.fields and isinstance(instance, Instance) and \
                    self.is_data_class(klass):
                return self._field_argument(klass, instance, name, carrier)
            if name in summary.attrs:
                return Via(carrier, self.ev(summary.attrs[name], None), f"{klass}.<body>",
                           summary.attr_locs.get(name, (klass, 0, 0)))
            if name in summary.methods:
                method = summary.methods[name]
                if self._is_property(method):  # read like an attribute: its value
                    value = self.instantiate(method, (), (), receiver, cls)
                    function = self.functions[method]
                    return Via(carrier, value, method, (klass.rpartition(".")[0], function.line, 0))
                return Partial(Ref(method), receiver=receiver)
        return carrier if isinstance(receiver, Self) else Unknown(
            f"{cls.rpartition('.')[2]} has no attribute {name!r} this tool can find")

    def _is_property(self, method: str) -> bool:
        for decorator in self.functions[method].decorators:
            named = strip(self.ev(decorator, None))
            if isinstance(named, Ref) and named.qualname.endswith(("property", "cached_property")):
                return True
        return False

    def _bind_init(self, function: FunctionSummary, receiver: Value, value: Value) -> Value:
        instance = strip(receiver)
        if not isinstance(instance, Instance) or not function.qualname.endswith(".__init__"):
            return substitute(value, {}, receiver)
        args, kwargs = instance.args, instance.kwargs
        if isinstance(receiver, Via):  # the object is kept somewhere: its arguments are parts of it
            args = tuple(_part(receiver, a) for a in args)
            kwargs = tuple((k, _part(receiver, v)) for k, v in kwargs)
        return substitute(value, self._binding(function, args, kwargs), receiver)

    def _field_argument(self, klass: str, instance: Instance, name: str, carrier: Value) -> Value:
        fields = [f for k in reversed(self.mro(klass)) for f in self.classes[k].fields]
        kwargs = dict(instance.kwargs)
        index = fields.index(name)
        given = kwargs.get(name, instance.args[index] if index < len(instance.args) else None)
        if given is not None:  # in the terms of the code that made the object
            return Via(carrier, self.ev(given, None), "", instance.loc)
        summary = self.classes[klass]
        if name in summary.attrs:
            return Via(carrier, self.ev(summary.attrs[name], None), klass, instance.loc)
        return Unknown(f"{klass.rpartition('.')[2]}.{name} is not given where it is made")

    def _field(self, value: Field, cls: str | None) -> Value:
        base = self.ev(value.base, cls)
        inner = strip(base)
        if isinstance(inner, Alt):
            return alt(*(self._field(Field(o, value.name, value.loc), cls)
                         for o in _options(base)))
        if isinstance(inner, Ref):
            kind, _ = self.lookup(inner.qualname)
            if kind in ("module", "class", "global", "attr", "field", "missing"):
                return self._ref(Ref(f"{inner.qualname}.{value.name}"), cls)
            return Ref(f"{inner.qualname}.{value.name}")
        if isinstance(inner, Self):
            return self.ev(SelfAttr(value.name), cls)
        if isinstance(inner, Super):  # super().name: the next class of the receiver's MRO
            mro = self.mro(cls if cls is not None and inner.cls in self.mro(cls) else inner.cls)
            after = mro[mro.index(inner.cls) + 1:] if inner.cls in mro else []
            for klass in after:
                method = self.classes[klass].methods.get(value.name)
                if method is not None:
                    return Partial(Ref(method), receiver=Self())
            return Opaque(f"super().{value.name}")
        if isinstance(inner, Instance) and inner.cls in self.classes:
            return self.attribute(inner.cls, value.name, base, value.loc)
        if isinstance(inner, Lit) and value.name in ("value", "name"):
            return base  # an Enum member's value
        if isinstance(inner, (Config, Item)) and value.name in _MAPPING_METHODS:
            return Field(base, value.name, value.loc)  # config.get(...): called, not a key
        if isinstance(inner, Config):
            return Item(base, Lit(value.name))
        if isinstance(inner, Derived):
            return Derived(f"{inner.what}.{value.name}", (base,), inner.loc)
        if isinstance(inner, Item) and isinstance(strip(inner.base), Config):
            return Item(base, Lit(value.name))
        return Field(base, value.name, value.loc)

    def _item(self, value: Item, cls: str | None) -> Value:
        base = self.ev(value.base, cls)
        key = self.ev(value.key, cls)
        inner, index = strip(base), strip(key)
        if isinstance(inner, Alt):
            return alt(*(self._item(Item(o, key, value.code, value.loc), cls) for o in _options(base)))
        if isinstance(inner, Ref) and inner.qualname in ("os.environ", "environ"):
            return Env(index.text if isinstance(index, Lit) else "", value.code)
        if isinstance(inner, Mapping) and isinstance(index, Lit):
            for entry in reversed(self.entries(inner, cls)):
                if isinstance(entry.name, Lit) and entry.name.text == index.text:
                    # The value is in the terms of the code that built the dict.
                    where = base.where if isinstance(base, Via) else ""
                    return Via(Item(base, key, value.code, value.loc), self.ev(entry.value, cls),
                               where, entry.loc)
            return Unknown(f"no {index.text!r} in the dict {value.code or ''}".rstrip())
        if isinstance(inner, Seq) and isinstance(index, Num) and index.value is not None:
            position = int(index.value)
            if -len(inner.items) <= position < len(inner.items):
                return self.ev(inner.items[position], cls)
            if not inner.items:
                return Opaque("an empty list")  # an IndexError: nothing flows on this path
            if len(set(inner.items)) == 1:  # filled in a loop: every item is alike
                return self.ev(inner.items[0], cls)
        if isinstance(inner, (JarOut, Sig, Time, FileText)):
            return inner
        if isinstance(inner, Derived):
            return Derived(f"{inner.what}[...]", (base,), inner.loc)
        return Item(base, key, value.code, value.loc)

    def _mutated(self, value: Mutated, cls: str | None) -> Value:
        base = self.ev(value.base, cls)
        inner = strip(base)
        args = value.args
        if isinstance(inner, Alt):
            return alt(*(self._mutated(Mutated(o, value.method, args), cls) for o in _options(base)))
        if isinstance(inner, Digest) and value.method == "update" and args:
            return Digest(self._concat([self.ev(inner.over, cls), self.ev(args[0], cls)]),
                          inner.style)
        if isinstance(inner, Sig) and value.method == "update" and args:  # hmac.update(data)
            return Sig(inner.style, self._concat([self.ev(inner.over, cls), self.ev(args[0], cls)]),
                       inner.key, inner.loc)
        if value.method == "update" and args:
            return Mapping((), (base, *args))
        if value.method == "__setitem__" and args:
            return Mapping(tuple(a for a in args if isinstance(a, Entry)), (base,))
        if value.method == "setdefault" and len(args) == 2:
            return Mapping((Entry(args[0], args[1]),), (base,))
        if isinstance(inner, Seq) and value.method in ("append", "add") and args:
            return Seq((*inner.items, args[0]), inner.loc, inner.locs)
        if isinstance(inner, Seq) and value.method == "extend" and args:
            extra = strip(self.ev(args[0], cls))
            if isinstance(extra, Seq):
                return Seq((*inner.items, *extra.items), inner.loc, (*inner.locs, *extra.locs))
        if isinstance(inner, Instance) and inner.cls.startswith("configparser.") and \
                value.method in ("read", "read_file", "read_string") and args:
            return Config(args[0], "ini")
        return base

    def _concat(self, parts: list[Value], text: bool = False) -> Value:
        flat: list[Value] = []
        for part in parts:
            inner = strip(part)
            if isinstance(inner, Text) and not isinstance(part, Via):
                flat.extend(inner.parts)
            else:
                flat.append(part)
        kinds = [strip(p) for p in flat]
        if not text and any(isinstance(k, Time) for k in kinds) and \
                all(isinstance(k, (Time, Num, Opaque)) for k in kinds):
            return Time()
        if not text and kinds and all(isinstance(k, Seq) for k in kinds):
            items = tuple(i for k in kinds for i in k.items)  # type: ignore[union-attr]
            return Seq(items)
        merged: list[Value] = []
        for part in flat:
            inner = strip(part)
            if isinstance(inner, Lit) and merged and isinstance(merged[-1], Lit) and \
                    not isinstance(part, Via):
                merged[-1] = Lit(merged[-1].text + inner.text)
            else:
                merged.append(part)
        return Text(tuple(merged))

    # -- calls ----------------------------------------------------------------------------
    def _call(self, call: CallV, cls: str | None) -> Value:
        func = self.ev(call.func, cls)
        return self.apply(func, call.args, call.kwargs, call, cls)

    def apply(self, func: Value, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...],
              call: CallV, cls: str | None, receiver: Value | None = None) -> Value:
        inner = strip(func)
        if isinstance(inner, Alt):
            return alt(*(self.apply(o, args, kwargs, call, cls, receiver) for o in _options(func)))
        if isinstance(inner, Self) and cls is not None:  # cls(...) in a classmethod
            return Instance(cls, args, kwargs, call.loc)
        if isinstance(inner, Partial):
            bound = inner.args
            bound_kw = inner.kwargs
            if isinstance(func, Via) and inner.receiver is None:
                bound = tuple(_part(func, a) for a in inner.args)
                bound_kw = tuple((k, _part(func, v)) for k, v in inner.kwargs)
            return self.apply(inner.func, (*bound, *args), (*bound_kw, *kwargs), call, cls,
                              inner.receiver)
        if isinstance(inner, Ref):
            kind, what = self.lookup(inner.qualname)
            if kind == "function":
                function = self.functions[what]
                if receiver is None and function.is_method and args and \
                        self.class_of_function(what) is not None:
                    receiver, args = args[0], args[1:]  # Base.__init__(self, ...)
                    receiver = None if isinstance(receiver, Self) else receiver
                return self.instantiate(what, args, kwargs, receiver, cls)
            if kind == "class":
                return Instance(what, args, kwargs, call.loc)
            evaluated = tuple(self.ev(a, cls) for a in args)
            named = {k: self.ev(v, cls) for k, v in kwargs}
            result = call_library(what if kind == "library" else inner.qualname, evaluated, named,
                                  call.loc)
            if isinstance(result, JarOut):
                return JarOut(tuple(self.ev(f, cls) for f in result.fields), result.loc)
            if result is not None:
                return self.ev(result, cls)
            return Derived(f"{inner.qualname.rpartition('.')[2]}()",
                           (*evaluated, *named.values()), call.loc)
        if isinstance(inner, Instance) and inner.cls in self.classes:
            method = self.lookup(f"{inner.cls}.__call__")
            if method[0] == "function":
                return self.instantiate(method[1], args, kwargs, func, cls)
        if isinstance(inner, Field):
            evaluated = tuple(self.ev(a, cls) for a in args)
            named = {k: self.ev(v, cls) for k, v in kwargs}
            result = call_method(inner.base, inner.name, evaluated, named, call.loc)
            if result is not None:
                return self.ev(result, cls)
            if _signs_with_rsa(inner, evaluated, named):
                # key.sign(data, padding.PKCS1v15(), hashes.SHA256()) with the key handed in:
                # the callers say which key, as for any key parameter
                return Sig("cryptography", signed_data(evaluated[0]), inner.base, call.loc)
            return Derived(f".{inner.name}()", (inner.base, *evaluated, *named.values()), call.loc)
        if isinstance(inner, Unknown):
            return inner
        if isinstance(inner, Derived):  # a method of something we do not know
            evaluated = tuple(self.ev(a, cls) for a in args)
            return Derived(f"{inner.what}()", (func, *evaluated), call.loc)
        if isinstance(inner, (Param, SelfAttr)):
            return Unknown("calls a function handed in at run time", call.loc)
        return Unknown("calls something this tool cannot follow", call.loc)

    def _binding(self, function: FunctionSummary, args: tuple[Value, ...],
                 kwargs: tuple[tuple[str, Value], ...]) -> dict[Param, Value]:
        params = function.params[1:] if function.is_method else function.params
        binding: dict[Param, Value] = {}
        for name, value in zip(params, args):
            binding[Param(function.qualname, name)] = value
        for name, value in kwargs:
            if name in params:
                binding[Param(function.qualname, name)] = value
        for name, default in function.defaults.items():
            binding.setdefault(Param(function.qualname, name), default)
        return binding

    def instantiate(self, qualname: str, args: tuple[Value, ...],
                    kwargs: tuple[tuple[str, Value], ...], receiver: Value | None,
                    cls: str | None) -> Value:
        """What calling this function returns, in the caller's terms."""
        function = self.functions[qualname]
        if function.returns is None:
            return Opaque(f"{qualname.rpartition('.')[2]}() returns nothing")
        binding = self._binding(function, args, kwargs)
        inner = strip(receiver) if receiver is not None else None
        if isinstance(inner, Instance) and inner.cls in self.classes:
            # The callee's own ``self`` is now the object; what is left of ``self`` is the
            # caller's (in the arguments): evaluate in the caller's class.
            return self.ev(substitute(function.returns, binding, receiver), cls)
        target = cls
        if function.is_method and cls is None:
            target = self.class_of_function(qualname)
        return self.ev(substitute(function.returns, binding, None), target)

    # -- mappings -------------------------------------------------------------------------
    def entries(self, mapping: Value, cls: str | None, depth: int = 0) -> list[Entry]:
        """Every entry of a mapping, spreads expanded (earlier first), names resolved."""
        inner = strip(self.ev(mapping, cls))
        found: list[Entry] = []
        if depth > 12:
            return found
        if isinstance(inner, Alt):
            for option in inner.options:
                found.extend(self.entries(option, cls, depth + 1))
            return found
        if isinstance(inner, Mapping):
            for spread in inner.spreads:
                found.extend(self.entries(spread, cls, depth + 1))
            for entry in inner.entries:
                found.extend(self._entry(entry, cls, depth))
            return found
        if isinstance(inner, Seq):
            for item, loc in zip(inner.items, inner.locs or [inner.loc] * len(inner.items)):
                pair = strip(self.ev(item, cls))
                if isinstance(pair, Seq) and len(pair.items) == 2:
                    found.append(Entry(self.ev(pair.items[0], cls), self.ev(pair.items[1], cls), loc))
            return found
        if isinstance(inner, Zip):
            names, values = strip(self.ev(inner.left, cls)), strip(self.ev(inner.right, cls))
            if isinstance(names, Seq) and isinstance(values, Seq):
                for index, (name, item) in enumerate(zip(names.items, values.items)):
                    loc = names.locs[index] if index < len(names.locs) else names.loc
                    found.append(Entry(self.ev(name, cls), self.ev(item, cls), loc))
            return found
        return found

    def _entry(self, entry: Entry, cls: str | None, depth: int) -> Iterator[Entry]:
        name = self.ev(entry.name, cls)
        value = entry.value
        # ``for k, v in pairs: x[k] = v`` - the loop applies every pair of ``pairs``.
        if isinstance(entry.name, Item) and isinstance(value, Item) and \
                isinstance(entry.name.base, Item) and isinstance(value.base, Item) and \
                entry.name.base.base == value.base.base:
            yield from self.entries(entry.name.base.base, cls, depth + 1)
            return
        yield Entry(name, self.ev(value, cls), entry.loc)


def _options(value: Value) -> list[Value]:
    """The alternatives of a value, each still behind the carriers the whole was read through."""
    if isinstance(value, Via):
        return [dataclasses.replace(value, value=o) for o in _options(value.value)]
    if isinstance(value, Framed):
        return [dataclasses.replace(value, value=o) for o in _options(value.value)]
    if isinstance(value, Alt):
        return list(value.options)
    return [value]


def _part(holder: Value, value: Value) -> Value:
    """An argument kept inside a partial (or object) that a carrier holds."""
    assert isinstance(holder, Via)
    return Via(holder.carrier, value, holder.where, holder.loc, part=True)


def _signs_with_rsa(method: Field, args: tuple[Value, ...], kwargs: dict[str, Value]) -> bool:
    """``key.sign(data, padding.PKCS1v15(), ...)`` on a parameter: cryptography's RSA signing
    call, told by its padding argument (nothing else takes one)."""
    if method.name != "sign" or not isinstance(strip(method.base), Param) or not args:
        return False
    padding = args[1] if len(args) > 1 else kwargs.get("padding")
    inner = strip(padding) if padding is not None else None
    return isinstance(inner, Derived) and inner.what == "PKCS1v15()"

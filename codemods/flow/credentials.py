"""Where the credentials of a signature come from, and what it takes for the token call to
have the client id and secret in their place.

A credential reaches the signing call along a path of carriers (attributes, globals, dict
keys, object fields) and derivations (a loaded key, a signer, PEM armour, base64, a partial
or an object holding it). The token call needs the *raw* value at the header site, so:
- a carrier that holds the raw credential is kept and renamed (``self.private_key`` ->
  ``self.client_secret``), and so is everything that fed it (parameters, keyword arguments
  at call sites, settings, environment variables, config keys);
- a carrier that holds something made from it (``self._key = load_key(private_key)``, a
  partial, a signer object) has that statement replaced by one that keeps the raw value
  (``self._client_secret = client_secret``);
- what cannot be followed is a ``Problem`` naming the value and the line."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field

from codemods.flow.library import strip
from codemods.flow.recognise import describe
from codemods.flow.renames import ConfigNote, RenamePlan
from codemods.flow.repository import Repository
from codemods.flow.values import (
    Alt,
    CallV,
    Config,
    Derived,
    Entry,
    Env,
    Field,
    FileText,
    Framed,
    Global,
    Instance,
    Item,
    Key,
    Lit,
    Loc,
    Local,
    Mapping,
    Num,
    Opaque,
    Param,
    Partial,
    Ref,
    Self,
    SelfAttr,
    Seq,
    Signer,
    Text,
    Time,
    Unknown,
    Value,
    Via,
)
from codemods.names import rename_identifier

__all__ = ["Credentials", "Problem", "StoreEdit"]

_PERSISTENT = ("models.Model", "db.Model", "Model", "BaseSettings", "DeclarativeBase",
               "declarative_base", "Document", "pydantic.BaseModel")


_TABLE_ATTRIBUTES = {"__tablename__", "__table__", "table", "table_name", "db_table", "_meta",
                     "Meta", "objects", "__collection__"}
_COLUMNS = ("Column", "mapped_column", "CharField", "TextField", "Field", "EncryptedCharField")


class Problem(Exception):
    """Why a credential cannot be carried to the token call safely."""


@dataclass
class StoreEdit:
    """A statement that kept something made from a credential, replaced by one keeping it raw."""

    loc: Loc
    targets: dict[str, tuple[str, str]] = field(default_factory=dict)  # role -> (target, value)
    where: str = ""

    def text(self) -> list[str]:
        return [f"{target} = {value}" for target, value in self.targets.values()]


@dataclass
class Credentials:
    """Plans the renames and store edits for the credentials of one unit of sites."""

    repo: Repository
    renames: RenamePlan
    stores: dict[Loc, StoreEdit] = field(default_factory=dict)
    touched: set[tuple[object, ...]] = field(default_factory=set)
    imports: dict[str, set[str]] = field(default_factory=dict)  # module -> modules its code needs
    reads: set[str] = field(default_factory=set)  # module settings read from another module
    _callers_followed: set[tuple[str, str]] = field(default_factory=set)
    _following: int = 0  # walking what fed a kept carrier: renames only

    # -- the expression at a function --------------------------------------------------------
    def express(self, value: Value, at: str, role: str, depth: int = 0) -> str:
        """Code valid in function ``at`` that gives the raw credential, after the renames."""
        if depth > 24:
            raise Problem(f"cannot follow where the {role} comes from (too many steps)")
        if isinstance(value, Via):
            return self._carried(value, at, role, depth)
        if isinstance(value, Alt):
            codes = {self.express(o, at, role, depth + 1) for o in value.options
                     if not isinstance(strip(o), Opaque) and not _empty(o) and
                     not self._never_taken(o)}
            if len(codes) == 1:
                return codes.pop()
            raise Problem(f"the {role} comes from different places on different paths")
        peeled = _peel(value)
        if peeled is not None:
            return self.express(peeled, at, role, depth + 1)
        return self._root(value, at, role)

    def follow(self, value: Value, at: str, role: str, depth: int) -> None:
        """What fed a carrier kept as it is: renamed along, no code needed from it (a
        parameter is renamed wherever its function is)."""
        if isinstance(strip(value), (Lit, Opaque)):
            return
        self._following += 1
        try:
            self.express(value, at, role, depth + 1)
        finally:
            self._following -= 1

    def _carried(self, via: Via, at: str, role: str, depth: int) -> str:
        carrier = via.carrier
        inner = via.value
        if isinstance(carrier, Local):
            if carrier.function == at and not via.part and not _derived(inner):
                self.follow(inner, at, role, depth)
                if at.endswith(".<module>"):  # a script's names are the module's globals
                    module = at[: -len(".<module>")]
                    self.touched.add(("global", module, carrier.name))
                    return self.renames.global_name(module, carrier.name, role)
                self.touched.add(("local", at, carrier.name))
                return self.renames.local(at, carrier.name, role)
            return self.express(inner, at, role, depth + 1)  # another function's local
        if _made_in_place(carrier):
            # A dict or an object written right in a call (``sign(url, {"consumer_id": cid})``):
            # what it holds is what reaches the site.
            return self.express(inner, at, role, depth + 1)
        inside_object = _inside_object(carrier)
        if via.part and not inside_object:
            raw = self.express(inner, via.where, role, depth + 1)
            return self._replace_store(via, at, role, raw)
        if via.part or _derived(inner):
            if inside_object:
                # Inside an object: the object itself goes (or its own store is replaced).
                return self.express(inner, at, role, depth + 1)
            raw = self.express(inner, via.where or at, role, depth + 1)
            return self._replace_store(via, at, role, raw)
        # The carrier holds the raw credential: keep it, renamed, and follow what fed it.
        self.follow(inner, via.where or at, role, depth)
        if isinstance(carrier, Item):
            return self._item(carrier, at, role, definition=via.loc)
        return self._carrier_code(carrier, at, role, self.renames.new_name(_name(carrier)))

    def _root(self, value: Value, at: str, role: str) -> str:
        if isinstance(value, Param):
            if value.function == at or at.startswith(value.function + ".") or self._following:
                return self._param(value, role)
            raise Problem(f"the {role} is the parameter {value.name!r} of "
                          f"{_short(value.function)}(), which the header site cannot reach")
        if isinstance(value, Env):
            if not value.variable:
                raise Problem(f"the {role} is read from an environment variable whose name is "
                              "built at run time")
            new = self.renames.variable(value.variable, role, at)
            if value.loc[1] and new != value.variable:  # whatever the read is spelled like
                self.renames.key_at(value.loc[0], value.loc[1], value.loc[2], new)
            self.touched.add(("env", value.variable))
            code = value.code or f'os.environ["{value.variable}"]'
            if not value.code:
                self.imports.setdefault(self._module_of(at), set()).add("os")
            return code.replace(f'"{value.variable}"', f'"{new}"').replace(
                f"'{value.variable}'", f"'{new}'")
        if isinstance(value, SelfAttr):  # an attribute no class of this context sets
            return self._carrier_code(value, at, role, self.renames.new_name(value.name))
        if isinstance(value, Item):
            return self._item(value, at, role)
        if isinstance(value, Field):
            return self._field(value, at, role)
        if isinstance(value, Lit):
            raise Problem(f"the {role} is written in the code ({value.text[:12]!r}...); put the "
                          "new credential in the environment or a secret store")
        if isinstance(value, FileText):
            # A key file the deployment mounts: the new secret comes from a file the same way.
            path = self.express(value.path, at, f"{role} file")
            self.imports.setdefault(self._module_of(at), set()).add("pathlib")
            return f"pathlib.Path({path}).expanduser().read_text().strip()"
        if isinstance(value, Unknown):
            where = f" (line {value.loc[1]} of {value.loc[0]})" if value.loc[1] else ""
            raise Problem(f"cannot tell where the {role} comes from: {value.why}{where}")
        if isinstance(value, Derived):
            where = f" (line {value.loc[1]} of {value.loc[0]})" if value.loc[1] else ""
            raise Problem(f"the {role} passes through {value.what}, which this tool does not "
                          f"follow{where}")
        raise Problem(f"cannot tell where the {role} comes from ({describe(value)})")

    # -- roots ----------------------------------------------------------------------------
    def _param(self, param: Param, role: str) -> str:
        function = param.function
        callee = function[: -len(".__init__")] if function.endswith(".__init__") else function
        new = self.renames.param(function, callee, param.name, role)
        if callee != function and callee in self.repo.classes:
            for subclass in self.repo.subclasses(callee)[1:]:  # FeedsApi(...) calls BaseApi's
                if self.repo.lookup(f"{subclass}.__init__") == ("function", function) and \
                        new != param.name:
                    self.renames.kwargs.setdefault(subclass, {})[param.name] = new
        self.touched.add(("param", function, param.name))
        self._follow_callers(function, param.name, role)
        self._spread_callers(function, param.name, new, role)
        summary = self.repo.functions.get(function)
        default = summary.defaults.get(param.name) if summary is not None else None
        if default is not None:  # consumer_id=settings.WALMART_CONSUMER_ID
            with contextlib.suppress(Problem):  # a default of another kind: the parameter goes
                self.express(self.repo.ev(default, None), function, role)
        return new

    def _follow_callers(self, function: str, name: str, role: str) -> None:
        """What callers pass for a renamed parameter is renamed too (settings, environment)."""
        if (function, name) in self._callers_followed:
            return
        self._callers_followed.add((function, name))
        for given, caller in self._arguments(function, name):
            with contextlib.suppress(Problem):  # something else: the keyword is renamed only
                self.express(given, caller, role)

    def _spread_callers(self, function: str, name: str, new: str, role: str) -> None:
        """``cls(**settings)``: a caller passing the arguments as a dict has the key renamed
        where the dict is written; one whose dict this tool cannot see stops the rename."""
        for caller, call, shift, context in self.repo.callers(function):
            if self.repo.argument(function, call, shift, name) is not None:
                continue
            where = f"{_short(caller)}() passes the arguments of {_short(function)}() as **"
            for keyword, value in call.kwargs:
                if keyword != "**":
                    continue
                for entry in self._spread_entries(self.repo.ev(value, context), name, where, 0):
                    if strip(entry.name) == Lit(name):
                        self._rename_entry(entry, name, new, caller, role, where)

    def _rename_entry(self, entry: Entry, key: str, new: str, caller: str, role: str,
                      who: str) -> None:
        """A dict entry a caller writes for the credential: what it holds followed, and its
        key renamed where it is written."""
        self.follow(self.repo.ev(entry.value, self.repo.class_of_function(caller)), caller,
                    role, 0)
        if new == key:
            return
        if not entry.loc[1]:
            raise Problem(f"{who} writes the {key!r} key where this tool cannot rename it "
                          "(dict(...) keywords)")
        self.renames.key_at(entry.loc[0], entry.loc[1], entry.loc[2], new)

    def _spread_entries(self, value: Value, name: str, where: str, depth: int) -> list[Entry]:
        """The entries of a dict passed as ``**``, with what was merged into it (a dict
        written in the code, ``**overrides`` no caller fills with ``name``)."""
        mapping = strip(value)
        if isinstance(mapping, Param) and depth <= 6:
            summary = self.repo.functions.get(mapping.function)
            if summary is not None and mapping.name not in summary.params:
                # **overrides: what callers pass as keywords lands here
                if any(any(k == name for k, _ in c.kwargs)
                       for _, c, _, _ in self.repo.callers(mapping.function)):
                    raise Problem(f"{where}**{mapping.name}, and a caller passes {name}= into it")
                return []
            passed = self._arguments(mapping.function, mapping.name)
            if summary is None or not passed:
                raise Problem(f"{where}{mapping.name}, a dict handed in by callers this tool "
                              "cannot see")
            found: list[Entry] = []
            for given, _ in passed:  # each caller's dict: its keys renamed where written
                found.extend(self._spread_entries(given, name, where, depth + 1))
            return found
        if not isinstance(mapping, Mapping) or depth > 6:
            raise Problem(f"{where}{describe(value)}, which this tool cannot rename {name} in")
        entries: list[Entry] = []
        for spread in mapping.spreads:
            entries.extend(self._spread_entries(spread, name, where, depth + 1))
        return [*entries, *mapping.entries]

    def _arguments(self, function: str, name: str) -> list[tuple[Value, str]]:
        """What every call of ``function`` in the repository passes for its parameter
        ``name`` (evaluated where the call is), and the calling function: direct calls,
        ``Class(...)`` for an ``__init__``, ``super().__init__(...)``,
        ``Base.__init__(self, ...)`` and ``functools.partial(function, ...)``."""
        found: list[tuple[Value, str]] = []
        for caller, call, shift, context in self.repo.callers(function):
            given = self.repo.argument(function, call, shift, name)
            if given is not None:
                found.append((self.repo.ev(given, context), caller))
        return found

    def _item(self, item: Item, at: str, role: str, definition: Loc | None = None) -> str:
        """``CONFIG["private_key"]``: the key renamed where the dict is written and wherever
        the same dict or config file is read with it."""
        key = strip(item.key)
        if not isinstance(key, Lit):
            raise Problem(f"the {role} is read under a key built at run time ({item.code})")
        base = strip(item.base)
        new = self.renames.new_name(key.text)
        source = _config_source(base) or self._only_config(base)
        if source is None and isinstance(base, Param):
            return self._handed_dict(item, base, key.text, new, at, role)
        if source is None:
            raise Problem(f"cannot tell where the {role} comes from ({item.code or describe(item)})")
        base_code = self._object_code(item.base, at)
        if new != key.text:
            for loc in [item.loc, *([definition] if definition else []), *self._reads_of(source, key.text)]:
                if loc[1]:
                    self.renames.key_at(loc[0], loc[1], loc[2], new)
            if isinstance(source, Config):
                self.renames.config.append(ConfigNote(item.loc[0], item.loc[1], item.loc[2],
                                                      describe(source), ((key.text, new),)))
        self.touched.add(("key", describe(source), key.text))
        code = _read_with(base_code, item.code) if item.code else \
            f"{base_code}[{json.dumps(key.text)}]"
        return code.replace(f'"{key.text}"', f'"{new}"').replace(f"'{key.text}'", f"'{new}'")

    def _only_config(self, base: Value) -> Value | None:
        """``settings or load_settings()`` where no caller passes ``settings``: the file."""
        for _ in range(8):
            if not isinstance(base, Item):
                break
            base = strip(base.base)
        if not isinstance(base, Alt):
            return None
        found: set[Value] = set()
        for option in base.options:
            inner = strip(option)
            source = _config_source(inner)
            if source is not None:
                found.add(source)
            elif not (isinstance(inner, Param) and self._never_given(inner)):
                return None
        return found.pop() if len(found) == 1 else None

    def _never_taken(self, option: Value) -> bool:
        """A path that reads a key of a parameter no caller passes and that defaults to None
        (``settings or load_settings()``): at run time the other path is taken."""
        inner = strip(option)
        for _ in range(8):
            if not isinstance(inner, Item):
                break
            inner = strip(inner.base)
        return isinstance(inner, Param) and option is not inner and self._never_given(inner)

    def _never_given(self, param: Param) -> bool:
        """A parameter defaulting to None that no call in the repository passes."""
        summary = self.repo.functions.get(param.function)
        default = summary.defaults.get(param.name) if summary is not None else None
        return default == Opaque("None") and not self._arguments(param.function, param.name)

    def _handed_dict(self, item: Item, param: Param, key: str, new: str, at: str,
                     role: str) -> str:
        """``config["private_key"]`` where ``config`` is a dict every caller writes in the call:
        the key renamed in each of those dicts and wherever the function reads it."""
        passed = self._passed(param)
        if not passed:
            raise Problem(f"the {role} is read from {item.code or describe(item)}, a dict handed "
                          "in by callers this tool cannot see")
        for value, caller in passed:
            mapping = strip(value)
            if not isinstance(mapping, Mapping):
                raise Problem(f"the {role} is read from {item.code or describe(item)}, and a "
                              f"caller ({_short(caller)}) hands in something other than a dict")
            entry = next((e for e in reversed(mapping.entries) if strip(e.name) == Lit(key)), None)
            if entry is None:
                raise Problem(f"a caller ({_short(caller)}) hands in a dict without {key!r}")
            self._rename_entry(entry, key, new, caller, role, f"a caller ({_short(caller)})")
        if new != key:
            for file in self.repo.files.values():
                for read in file.item_reads:
                    if read.key == key and read.base == param:
                        self.renames.key_at(read.loc[0], read.loc[1], read.loc[2], new)
        self.touched.add(("param", param.function, param.name))
        code = item.code or f"{param.name}[{key!r}]"
        return code.replace(f'"{key}"', f'"{new}"').replace(f"'{key}'", f"'{new}'")

    def _passed(self, param: Param) -> list[tuple[Value, str]]:
        """What each caller passes for a parameter (evaluated), and the caller."""
        return self._arguments(param.function, param.name)

    def _reads_of(self, source: Value, key: str) -> list[Loc]:
        """Every read of ``key`` from the same dict or config file, across the repository."""
        found: list[Loc] = []
        for file in self.repo.files.values():
            for read in file.item_reads:
                if read.key != key:
                    continue
                context = self.repo.class_of_function(read.function)
                container = _config_source(strip(self.repo.ev(read.base, context)))
                if container == source:
                    found.append(read.loc)
        return found

    def _field(self, value: Field, at: str, role: str) -> str:
        """``obj.private_key`` on an object handed in: renamed only when the object's class is
        known (from every caller), and then everywhere that class's attribute is read."""
        base = self._object_code(value.base, at)
        new = self.renames.new_name(value.name)
        klass = self._object_class(value.base)
        if klass is None:
            raise Problem(f"the {role} is read from {describe(value)}, on an object whose class "
                          "this tool cannot tell from its callers; rename it by hand")
        self._rename_object_field(klass, value.name, new, role)
        if new != value.name and value.loc[1]:
            self.renames.attribute_at(value.loc[0], value.loc[1], value.loc[2], new)
        self.touched.add(("attr", min(self.family(klass)), value.name))
        return f"{base}.{new}"

    def _object_class(self, value: Value, depth: int = 0) -> str | None:
        """The repository class of an object: made here, named by the parameter's type, or
        what every caller passes (followed through callers that pass it on)."""
        inner = strip(value)
        if isinstance(inner, Instance):
            return inner.cls if inner.cls in self.repo.classes else None
        if not isinstance(inner, Param) or depth > 6:
            return None
        summary = self.repo.functions.get(inner.function)
        if summary is None:
            return None
        annotation = summary.annotations.get(inner.name)
        if annotation is not None:
            named = strip(self.repo.ev(annotation, None))
            if isinstance(named, Ref) and self.repo.lookup(named.qualname)[0] == "class":
                return self.repo.lookup(named.qualname)[1]  # type: ignore[no-any-return]
        found = {self._object_class(passed, depth + 1)
                 for passed, _ in self._arguments(inner.function, inner.name)}
        return found.pop() if len(found) == 1 else None

    # -- carriers -------------------------------------------------------------------------
    def _carrier_code(self, carrier: Value, at: str, role: str, new: str) -> str:
        """The (renamed) carrier as code at ``at``."""
        if isinstance(carrier, SelfAttr):
            owner = self.repo.context_of(at)
            if owner is None:
                raise Problem(f"self.{carrier.name} is read outside the class that sets it")
            self._rename_attribute(owner, carrier.name, new, role)
            return f"self.{new}"
        if isinstance(carrier, Global):
            return self._global_code(carrier, at, role, new)
        if isinstance(carrier, Field):
            base = strip(carrier.base)
            base_code = self._object_code(carrier.base, at)
            if isinstance(base, Instance) and base.cls in self.repo.classes:
                self._rename_object_field(base.cls, carrier.name, new, role)
            elif isinstance(base, Ref) and base.qualname in self.repo.classes:
                self._rename_attribute(base.qualname, carrier.name, new, role)
            if new != carrier.name and carrier.loc[1]:
                self.renames.attribute_at(carrier.loc[0], carrier.loc[1], carrier.loc[2], new)
            return f"{base_code}.{new}"
        if isinstance(carrier, Item):
            return self._item(carrier, at, role)
        raise Problem(f"cannot carry the {role} through {describe(carrier)}")

    def _global_code(self, carrier: Global, at: str, role: str, new: str) -> str:
        self.renames.global_name(carrier.module, carrier.name, role, new)
        self.touched.add(("global", carrier.module, carrier.name))
        module = self._module_of(at)
        if module == carrier.module:
            return new
        file = self.repo.files.get(module)
        if file is not None:
            for local, qualified in file.imports.items():
                if qualified == f"{carrier.module}.{carrier.name}":
                    return new if local == carrier.name else local
                if qualified == carrier.module:
                    return f"{local}.{new}"
        return f"{self._import_module(carrier.module, module, carrier.name)}.{new}"

    def _object_code(self, value: Value, at: str) -> str:
        """An object (settings, credentials holder, config) as code at ``at``, unrenamed."""
        if isinstance(value, Via):
            carrier = value.carrier
            if isinstance(carrier, SelfAttr):
                return f"self.{carrier.name}"
            if isinstance(carrier, Global):
                return self._global_reference(carrier, at)
            if isinstance(carrier, Field):
                return f"{self._object_code(carrier.base, at)}.{carrier.name}"
            if isinstance(carrier, Item):  # an entry of a dict written in the code
                with contextlib.suppress(Problem):
                    return self._object_code(carrier, at)
            if isinstance(carrier, Local) and carrier.function == at:
                return carrier.name
            if isinstance(carrier, Local) and carrier.function.endswith(".<module>"):
                module = carrier.function[: -len(".<module>")]
                return self._global_reference(Global(module, carrier.name), at)
            return self._object_code(value.value, at)
        if isinstance(value, SelfAttr):
            return f"self.{value.name}"
        if isinstance(value, Param) and (value.function == at or at.startswith(value.function + ".")):
            return value.name
        if isinstance(value, Self):
            return "self"
        if isinstance(value, Ref):
            return self._global_reference(Global(*value.qualname.rsplit(".", 1)), at)
        if isinstance(value, Item) and isinstance(strip(value.key), Lit):
            # marketplace = self.settings["marketplace"] in __init__: read again at the site
            key = strip(value.key).text  # type: ignore[union-attr]
            return f"{self._object_code(value.base, at)}[{json.dumps(key)}]"
        raise Problem(f"the credentials are held in {describe(value)}, which the header site "
                      "cannot reach")

    def _import_module(self, wanted: str, module: str, name: str) -> str:
        """``import wanted`` in ``module``, so that its setting can be read there as
        ``wanted.name`` (an attribute read when the call runs, not at import time)."""
        file = self.repo.files.get(module)
        top = wanted.partition(".")[0]
        if file is None or (top in file.imports and file.imports[top] != top) or \
                top in file.globals or \
                any(q.rpartition(".")[2] == top for q in [*file.classes, *file.functions]):
            raise Problem(f"{name} is a setting of {wanted}, which {module} does not import "
                          f"(and {top!r} names something else there)")
        self.imports.setdefault(module, set()).add(wanted)
        self.reads.add(f"{wanted}.{name}")
        return wanted

    def _global_reference(self, carrier: Global, at: str) -> str:
        module = self._module_of(at)
        if module == carrier.module:
            return carrier.name
        file = self.repo.files.get(module)
        if file is not None:
            for local, qualified in file.imports.items():
                if qualified == f"{carrier.module}.{carrier.name}":
                    return local
                if qualified == carrier.module:
                    return f"{local}.{carrier.name}"
        return f"{self._import_module(carrier.module, module, carrier.name)}.{carrier.name}"

    def _replace_store(self, via: Via, at: str, role: str, raw: str) -> str:
        """Replace the statement that kept a derived value with one keeping ``raw``."""
        carrier = via.carrier
        if not via.loc[1]:
            raise Problem(f"cannot tell where {describe(carrier)} is set")
        name = _name(carrier)
        new = self._store_name(name, role, via.part)
        edit = self.stores.setdefault(via.loc, StoreEdit(via.loc, where=via.where))
        if isinstance(carrier, SelfAttr):
            owner = self.repo.context_of(via.where) or self.repo.context_of(at)
            if owner is None:
                raise Problem(f"self.{name} is set outside a class")
            # The statement is replaced whole; its old attribute has no reader left (checked).
            self.touched.add(("attr", min(self.family(owner)), name))
            target = f"self.{new}"
        elif isinstance(carrier, Global):
            target = new
            self.touched.add(("global", carrier.module, name))
        else:
            raise Problem(f"{describe(carrier)} keeps something made from the {role}; change it "
                          "by hand")
        edit.targets[role] = (target, raw)
        self.touched.add(("store", via.loc))
        if isinstance(carrier, Global):
            return self._global_code(Global(carrier.module, name), at, role, new)
        return f"self.{new}"

    def _store_name(self, name: str, role: str, part: bool) -> str:
        renamed = self.renames.new_name(name)
        if renamed != name and not part:
            return renamed
        base = role.replace(" ", "_")  # client_secret, client_id (private_key for the rollout)
        if name.isupper():
            return base.upper()
        return f"_{base}" if name.startswith("_") else base

    def _rename_attribute(self, owner: str, old: str, new: str, role: str) -> None:
        """``self.old`` becomes ``self.new`` in every class of the hierarchy, and on objects
        of those classes read elsewhere."""
        family = self.family(owner)
        for klass in family:
            if old != new:
                self.renames.attr(klass, old, role, new)
            else:
                self.renames.kept[old] = role
        self.touched.add(("attr", min(family), old))
        if old == new:
            return
        for file in self.repo.files.values():
            for read in file.attribute_reads:
                if read.name != old or isinstance(read.receiver, Self):
                    continue
                context = self.repo.class_of_function(read.function)
                # An object made here, or handed in by every caller (``credentials`` of
                # ``signed_headers(credentials, ...)``).
                if self._object_class(self.repo.ev(read.receiver, context)) in family:
                    self.renames.attribute_at(read.loc[0], read.loc[1], read.loc[2], new)

    def _rename_object_field(self, klass: str, old: str, new: str, role: str) -> None:
        if self.is_persistent(klass):
            raise Problem(f"the {role} is the stored field {klass.rpartition('.')[2]}.{old}: "
                          f"renaming it needs a data migration; add a {new} field holding the "
                          "new credential, migrate the data, then change this code by hand")
        if old in self.repo.classes[klass].fields:
            for member in self.family(klass):
                if old in self.repo.classes[member].fields:
                    self.renames.field(member, old, role)
                    self._follow_constructions(member, old, role)
        self._rename_attribute(klass, old, new, role)

    def _follow_constructions(self, klass: str, name: str, role: str) -> None:
        """What code making the object passes for a renamed field is renamed too."""
        if (klass, name) in self._callers_followed:
            return
        self._callers_followed.add((klass, name))
        fields = [f for k in reversed(self.repo.mro(klass)) for f in self.repo.classes[k].fields]
        index = fields.index(name) if name in fields else -1
        omitted = False
        for caller in self.repo.functions.values():
            for call in caller.calls:
                owner = self.repo.class_of_function(caller.qualname)
                if isinstance(call.func, Self):  # cls(...) in a classmethod
                    if owner is None or klass not in self.repo.mro(owner):
                        continue
                else:
                    callee = strip(self.repo.ev(call.func, None)) if not _has_self(call.func) else None
                    if not (isinstance(callee, Ref) and
                            self.repo.lookup(callee.qualname) == ("class", klass)):
                        continue
                given = dict(call.kwargs).get(name)
                if given is None and 0 <= index < len(call.args):
                    given = call.args[index]
                if given is None:
                    omitted = True
                    continue
                context = self.repo.class_of_function(caller.qualname)
                with contextlib.suppress(Problem):  # something else: the field is renamed only
                    self.express(self.repo.ev(given, context), caller.qualname, role)
        default = next((self.repo.classes[k].attrs[name] for k in self.repo.mro(klass)
                        if name in self.repo.classes[k].attrs), None)
        if omitted and default is not None:
            # Made without it somewhere: the default is the credential, and must be followed
            # to where it is read (an environment variable renamed with the field).
            self.express(self.repo.ev(default, None), f"{klass}.<body>", role)

    def is_persistent(self, klass: str) -> bool:
        """A class whose fields are stored: an ORM model, a settings model, or a class that
        names the table it mirrors."""
        bases = self.repo.library_bases(klass)
        if any(b.endswith(_PERSISTENT) for b in bases):
            return True
        for member in self.repo.mro(klass):
            summary = self.repo.classes[member]
            if summary.attrs.keys() & _TABLE_ATTRIBUTES:
                return True
            for value in summary.attrs.values():
                func = value.func if isinstance(value, CallV) else None
                name = func.qualname if isinstance(func, Ref) else ""
                if name.endswith(_COLUMNS):
                    return True
        return False

    def family(self, klass: str) -> list[str]:
        """The repository classes connected to ``klass`` by inheritance."""
        family = {klass}
        changed = True
        while changed:
            changed = False
            for other in self.repo.classes:
                if other in family:
                    continue
                mro = self.repo.mro(other)
                if any(member in mro for member in family) or \
                        any(other in self.repo.mro(member) for member in family):
                    family.add(other)
                    changed = True
        return sorted(family)

    def _module_of(self, function: str) -> str:
        for module in sorted(self.repo.files, key=len, reverse=True):
            if function == module or function.startswith(module + "."):
                return module
        return function.rpartition(".")[0]


def _inside_object(carrier: Value) -> bool:
    """A field of a repository object, or a key of a dict one keeps: the object goes with the
    signing code, so its insides are not kept."""
    if isinstance(carrier, Field) and isinstance(strip(carrier.base), Instance):
        return True
    base = carrier.base if isinstance(carrier, Item) else None
    return isinstance(base, Via) and _inside_object(base.carrier)


def _read_with(base_code: str, written: str) -> str:
    """The key read as written (``["private_key"]``, ``.get("private_key", "")``), on the
    container as the site reaches it: ``_config["private_key"]`` read in a helper that was
    handed ``self._config`` is ``self._config["private_key"]`` at the site."""
    read = re.match(r"^(.*)(\[\s*(['\"]).*?\3\s*\]|\.get\(.*\))$", written, re.S)
    return base_code + read.group(2) if read else written


def _made_in_place(carrier: Value) -> bool:
    """A key of a dict literal or a field of an object made where it is used, behind no
    attribute, global or local that a rewrite could keep."""
    base = carrier.base if isinstance(carrier, (Item, Field)) else None
    return isinstance(base, (Mapping, Instance))


def _name(carrier: Value) -> str:
    if isinstance(carrier, (SelfAttr, Global)):
        return carrier.name
    if isinstance(carrier, Field):
        return carrier.name
    if isinstance(carrier, Item):
        key = strip(carrier.key)
        return key.text if isinstance(key, Lit) else ""
    return ""


def _short(qualname: str) -> str:
    parts = qualname.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else qualname


def _derived(value: Value) -> bool:
    """Whether a carrier keeps something made from the credential rather than the credential."""
    inner = value
    while isinstance(inner, Via) and not inner.part:
        inner = inner.value
    if isinstance(inner, Via):
        return True
    if isinstance(inner, (Key, Signer, Framed, Partial, Instance, Derived)):
        return True
    if isinstance(inner, Text):
        # text around it, or a piece re-encoded or sliced (a key wrapped at 64 columns)
        return any((isinstance(strip(p), Lit) and strip(p).text.strip()) or  # type: ignore[union-attr]
                   isinstance(_unvia(p), Framed) for p in inner.parts)
    if isinstance(inner, Alt):
        return any(_derived(o) for o in inner.options)
    return False


def _unvia(value: Value) -> Value:
    """The value behind its carriers (``strip`` would also see through re-encodings)."""
    while isinstance(value, Via):
        value = value.value
    return value


def _peel(value: Value) -> Value | None:
    """One layer of derivation off: the key a signer holds, the text a key was loaded from,
    the credential inside PEM armour or base64."""
    if isinstance(value, Key):
        return value.of
    if isinstance(value, Signer):
        return value.key
    if isinstance(value, Framed):
        return value.value
    if isinstance(value, Text):
        pieces = [p for p in value.parts if not isinstance(strip(p), Lit)]
        if len(pieces) == 1:
            return pieces[0]
    if isinstance(value, Seq) and len(value.items) == 1:
        return value.items[0]
    if isinstance(value, Derived):
        pieces = [p for p in value.inputs if carries_value(p)]
        if len(pieces) == 1:
            return pieces[0]
    return None


def carries_value(value: Value) -> bool:
    """Whether something read from outside (a parameter, setting, attribute...) is inside:
    literals, numbers and library objects made from nothing are only framing."""
    inner = strip(value)
    if isinstance(inner, (Lit, Opaque, Num, Time)):
        return False
    if isinstance(inner, Derived):
        return any(carries_value(i) for i in inner.inputs)
    return True


def _empty(value: Value) -> bool:
    inner = strip(value)
    return isinstance(inner, Lit) and not inner.text


def _config_source(base: Value) -> Value | None:
    """The configuration a keyed read comes from: a file, or a dict written in the code."""
    for _ in range(8):
        if isinstance(base, (Config, Mapping)):
            return base
        if isinstance(base, Item):
            base = strip(base.base)
            continue
        if isinstance(base, Instance) and base.cls.startswith("configparser."):
            return base
        return None
    return None


def _has_self(value: Value) -> bool:
    return isinstance(value, (SelfAttr, Self)) or (isinstance(value, Field) and _has_self(value.base))


_ = rename_identifier

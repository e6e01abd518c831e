"""Abstract values: what a piece of seller code computes, as far as Walmart signing cares.

Plain frozen dataclasses (picklable, hashable, comparable), so that a file's summary is data
that can cross process boundaries and be cached by content. A file is summarised on its own,
so a summary's values are *symbolic*: ``Param``, ``SelfAttr``, ``Global``, ``Ref`` and
``CallV`` stand for what another function, class or module supplies, and
``codemods.flow.repository`` resolves them once every file's summary is known.

``code`` fields keep the expression as the seller wrote it (for messages and rewrites); they
take no part in equality, so the same value written twice is one value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Union, get_args

__all__ = [
    "Alt", "Arith", "CallV", "Comp", "Concat", "Config", "Derived", "Digest", "Entry", "Env",
    "Field", "FileText", "Format", "Framed", "Global", "Instance", "Item", "JarOut", "Key",
    "Lit", "Loc", "Local", "Mapping", "Mutated", "Num", "Opaque", "Param", "Partial", "Ref",
    "Self", "SelfAttr", "Seq", "Sig", "Signer", "Super", "Text", "Time", "Unknown", "Value", "Via",
    "Zip", "alt",
]

Loc = tuple[str, int, int]  # (module, line, column): where a value was written
NOWHERE: Loc = ("", 0, 0)


@dataclass(frozen=True)
class Lit:
    """A string (or bytes) literal."""

    text: str


@dataclass(frozen=True)
class Num:
    value: float | None = None


@dataclass(frozen=True)
class Time:
    """The current time in some unit (``time.time() * 1000``, ``int(...)``, ``str(...)``)."""


@dataclass(frozen=True)
class Opaque:
    """A value that is known and plays no part in signing (a uuid, a response, None)."""

    what: str = ""


@dataclass(frozen=True)
class Unknown:
    """What could not be followed, and where: reported to the seller as is."""

    why: str
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Param:
    function: str  # qualified name of the function
    name: str
    code: str = field(default="", compare=False)


@dataclass(frozen=True)
class Self:
    """The receiver of a method (``self`` or ``cls``)."""


@dataclass(frozen=True)
class Super:
    """``super()`` in a method of ``cls``: the receiver, seen from the classes after ``cls``."""

    cls: str


@dataclass(frozen=True)
class SelfAttr:
    name: str


@dataclass(frozen=True)
class Local:
    """A local variable of a function, as the carrier of a value."""

    function: str
    name: str


@dataclass(frozen=True)
class Global:
    module: str
    name: str


@dataclass(frozen=True)
class Ref:
    """A definition: a repository function, class or module, or a library name."""

    qualname: str


@dataclass(frozen=True)
class Env:
    variable: str  # "" when the variable's name is not a literal
    code: str = field(default="", compare=False)
    loc: Loc = field(default=NOWHERE, compare=False)  # the variable's name, as written


@dataclass(frozen=True)
class Item:
    """``base[key]`` or ``base.get(key)``."""

    base: Value
    key: Value
    code: str = field(default="", compare=False)
    loc: Loc = field(default=NOWHERE, compare=False)  # the key expression


@dataclass(frozen=True)
class Field:
    """``base.name`` on something other than ``self``."""

    base: Value
    name: str
    loc: Loc = field(default=NOWHERE, compare=False)  # the attribute's name


@dataclass(frozen=True)
class CallV:
    """A call the summary of one file cannot settle: resolved against the repository."""

    func: Value
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Concat:
    """``a + b`` before anyone knows whether a and b are text, numbers or sequences."""

    parts: tuple[Value, ...]


@dataclass(frozen=True)
class Format:
    """``template % args``."""

    template: Value
    args: Value


@dataclass(frozen=True)
class Arith:
    op: str
    left: Value
    right: Value


@dataclass(frozen=True)
class Mutated:
    """A local after ``name.method(args)``: ``h.update(x)``, ``parts.append(x)``,
    ``headers.update(other)``."""

    base: Value
    method: str
    args: tuple[Value, ...] = ()


@dataclass(frozen=True)
class Text:
    """Text made of pieces: literals and the values spliced between them."""

    parts: tuple[Value, ...]


@dataclass(frozen=True)
class Key:
    """A loaded private key, from the value it was loaded from."""

    of: Value
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Signer:
    """A signing object over a key (``PKCS1_v1_5.new(key)``, ``RSASigner.from_string(pem)``)."""

    key: Value
    style: str


@dataclass(frozen=True)
class Digest:
    """A hash object over data (``SHA256.new(data)``, fed by ``update()``)."""

    over: Value
    style: str = "sha256"


@dataclass(frozen=True)
class Sig:
    """A signature: RSA (cryptography, pycryptodome, rsa, google-auth), the jar, or HMAC /
    a plain hash (look-alikes)."""

    style: str
    over: Value
    key: Value
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class JarOut:
    """The output of Walmart's DigitalSignatureUtil jar: signature and timestamp lines.
    ``fields`` are the jar's arguments: url, consumer id, private key, method."""

    fields: tuple[Value, ...]
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Seq:
    """A tuple or list literal."""

    items: tuple[Value, ...]
    loc: Loc = field(default=NOWHERE, compare=False)
    locs: tuple[Loc, ...] = field(default=(), compare=False)  # of each element
    spans: tuple[tuple[int, int, int, int], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Zip:
    left: Value
    right: Value


@dataclass(frozen=True)
class Entry:
    """One header (or key) set to a value, and where that was written."""

    name: Value
    value: Value
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Mapping:
    """A dict: its entries, and the mappings spread into it (``{**a}``, ``dict(a)``,
    ``a.update(b)``, ``a | b``). Later entries win, as in Python."""

    entries: tuple[Entry, ...] = ()
    spreads: tuple[Value, ...] = ()
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Partial:
    """``functools.partial(func, *args, **kwargs)`` or a bound method."""

    func: Value
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    receiver: Value | None = None


@dataclass(frozen=True)
class Instance:
    """An object of a repository class (or a library class), with its constructor arguments."""

    cls: str
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class FileText:
    """The contents of a file read at run time, from its path."""

    path: Value


@dataclass(frozen=True)
class Config:
    """A configuration file parsed at run time (JSON, INI, TOML, YAML, .env)."""

    source: Value
    format: str


@dataclass(frozen=True)
class Comp:
    """``[element for var in iterable]`` (or a generator): ``element`` is in terms of
    ``var``, so that each item of a known ``iterable`` can be put in its place."""

    element: Value
    var: Param
    iterable: Value


@dataclass(frozen=True)
class Alt:
    """One of several values (branches, ``a or b``, several writes of one attribute)."""

    options: tuple[Value, ...]


@dataclass(frozen=True)
class Derived:
    """What a call this tool does not know returns, from its inputs: a credential passed
    through it is still that credential's (its root), but nothing more is known."""

    what: str
    inputs: tuple[Value, ...]
    loc: Loc = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Framed:
    """A value re-encoded (base64, hex): the same credential or signature for recognition,
    but not the same bytes - a rewrite must not pass it on as the raw secret."""

    value: Value
    how: str


@dataclass(frozen=True)
class Via:
    """A resolved value and the carrier it was read through (for credentials: the attribute,
    global or parameter a rewrite has to rename or replace). ``where`` is the function that
    wrote the carrier, ``loc`` the statement."""

    carrier: Value
    value: Value
    where: str = ""
    loc: Loc = field(default=NOWHERE, compare=False)
    # The value is one part of what the carrier holds (an argument of a partial or of an
    # object kept there), not the whole of it.
    part: bool = False


Value = Union[Lit, Num, Time, Opaque, Unknown, Param, Self, Super, SelfAttr, Local, Global, Ref, Env, Item,
              Field, CallV, Concat, Format, Arith, Mutated, Text, Key, Signer, Digest, Sig, JarOut, Seq,
              Zip, Entry, Mapping, Partial, Instance, FileText, Config, Comp, Alt, Derived, Framed,
              Via]

_ALT_LIMIT = 6
_HASH = "_hash"
SELF = "_uses_self"  # whether a value can depend on the receiver's class (``Repository``)
_KEPT = (_HASH, SELF)  # worked out once and kept on a value, never pickled


def _hash_once(kind: type) -> None:
    """A value's hash is worked out once, kept on it: the generated ``__hash__`` hashes every
    field, and a field's value again, on every look-up - planning looks values up by the
    thousand (its memo), and that was a sixth of making a plan. The kept hash stays out of
    a pickle: another process may hash strings with another seed."""
    names = tuple(f.name for f in dataclasses.fields(kind)
                  if f.compare and (f.hash is None or f.hash))

    def __hash__(self: object) -> int:
        held = self.__dict__
        found = held.get(_HASH)
        if found is None:
            found = held[_HASH] = hash(tuple([getattr(self, name) for name in names]))
        return found

    def __getstate__(self: object) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k not in _KEPT}

    kind.__hash__ = __hash__  # type: ignore[method-assign,assignment]
    kind.__getstate__ = __getstate__  # type: ignore[attr-defined]


def alt(*options: Value) -> Value:
    """Alternatives, flattened and deduplicated; a single one is itself; too many is Unknown."""
    flat: list[Value] = []
    for option in options:
        for inner in option.options if isinstance(option, Alt) else (option,):
            if inner not in flat:
                flat.append(inner)
    if len(flat) == 1:
        return flat[0]
    if len(flat) > _ALT_LIMIT:
        return Unknown("the value depends on too many branches to follow")
    return Alt(tuple(flat))


for _kind in get_args(Value):
    _hash_once(_kind)

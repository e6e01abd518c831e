"""What one file holds, as plain data: its imports, globals, classes, and a summary of every
function - what it returns and which attributes it writes, in terms of its parameters,
``self`` and module globals - plus the places where headers are set, requests sent, and
legacy header names or signing calls written. Made per file (in worker processes), cached by
content, joined across the repository by ``codemods.flow.repository``."""

from __future__ import annotations

from dataclasses import dataclass, field

from codemods.flow.values import CallV, Loc, Value

Span = tuple[int, int, int, int]  # start line, start column, end line, end column

__all__ = [
    "AttributeRead",
    "ClassSummary",
    "EntryRec",
    "FileSummary",
    "FunctionSummary",
    "ItemRead",
    "Occurrence",
    "PathWrite",
    "Send",
    "SiteRec",
    "Span",
    "Store",
]


@dataclass
class EntryRec:
    """A header set in code: its name and value as evaluated where it is written.

    ``loc`` identifies the node a rewrite edits: the dict element, the ``x[k] = v`` or
    ``x.add_header(k, v)`` statement, the ``(name, value)`` tuple, or - for ``zip`` - the
    name's element (``value_loc`` then holds the value's element)."""

    name: Value
    value: Value
    loc: Loc
    value_loc: Loc | None = None
    span: Span = (0, 0, 0, 0)  # the element or statement
    value_span: Span = (0, 0, 0, 0)


@dataclass
class SiteRec:
    """A place that sets headers: one dict (literal or ``dict(...)``), one run of
    ``x[...] = ...`` or ``x.add_header(...)`` statements on the same ``x`` in one function,
    one literal sequence of ``(name, value)`` pairs, or one ``zip(names, values)``."""

    kind: str  # dict | subscript | call | pairs | zip
    function: str  # qualified name of the enclosing function ("<module>" level: module.<module>)
    scope: str  # decision unit: outermost class, else outermost function, else module
    loc: Loc
    entries: list[EntryRec] = field(default_factory=list)
    zip_args: tuple[Value, Value] | None = None  # for kind "zip": the names and the values
    owner: str = ""  # the object set for subscript / call groups, as written
    is_async: bool = False
    value: Value | None = None  # for a dict: the whole mapping, spreads included
    dynamic: str = ""  # a header name built at run time, as written


@dataclass
class Send:
    """A request going out: its URL, method, headers, and the client or session it uses."""

    loc: Loc
    url: Value | None
    method: str | None  # upper case, when it is a literal or the verb of the call
    headers: Value | None
    client: Value | None  # the receiver (session, client) when there is one


@dataclass
class PathWrite:
    """``root.a.b[name] = value`` or ``root.a.b.update(mapping)`` where ``root`` is ``self``,
    a parameter, a global or a local object: how session and client default headers and
    request objects get their headers."""

    root: Value
    path: tuple[str, ...]
    entry: Value | None  # an Entry, for a single header
    spread: Value | None  # a mapping merged in
    loc: Loc


@dataclass
class Store:
    """``self.<attr> = value`` or a module global's assignment: where a value is kept."""

    value: Value
    loc: Loc  # the whole statement
    code: str  # the assigned expression, as written
    target_loc: Loc  # the target expression (``self.attr`` / ``NAME``)
    span: Span = (0, 0, 0, 0)  # the whole statement


@dataclass
class FunctionSummary:
    qualname: str
    params: tuple[str, ...]  # positional and keyword parameters, self/cls included
    is_method: bool = False  # the first parameter is the receiver
    is_async: bool = False
    decorators: tuple[Value, ...] = ()
    defaults: dict[str, Value] = field(default_factory=dict)
    annotations: dict[str, Value] = field(default_factory=dict)  # parameter -> its type
    returns: Value | None = None
    yields: tuple[Value, ...] = ()
    attr_writes: dict[str, list[Store]] = field(default_factory=dict)  # self.<attr> = ...
    path_writes: list[PathWrite] = field(default_factory=list)
    sends: list[Send] = field(default_factory=list)
    calls: list[CallV] = field(default_factory=list)  # every call made, for reachability
    # Locals: where each is read, and the statements binding them (for what a rewrite leaves
    # unused: a statement whose names are read only in removed code goes too).
    local_reads: dict[str, list[Loc]] = field(default_factory=dict)
    local_binds: list[tuple[tuple[str, ...], Span]] = field(default_factory=list)
    line: int = 0
    scope: str = ""


@dataclass
class ClassSummary:
    qualname: str
    bases: tuple[Value, ...]
    attrs: dict[str, Value] = field(default_factory=dict)  # class body assignments
    attr_locs: dict[str, Loc] = field(default_factory=dict)
    fields: tuple[str, ...] = ()  # annotated fields, in order (dataclass / NamedTuple)
    methods: dict[str, str] = field(default_factory=dict)  # name -> function qualname
    decorators: tuple[Value, ...] = ()
    line: int = 0


@dataclass
class AttributeRead:
    """``x.name`` (or ``self.name``): who reads an attribute a rename must reach."""

    name: str
    receiver: Value
    loc: Loc  # the attribute's name
    function: str


@dataclass
class ItemRead:
    """``x["key"]`` or ``x.get("key")``: who reads a settings or config key a rename must reach."""

    base: Value
    key: str
    loc: Loc  # the key, as written
    function: str


@dataclass
class Occurrence:
    """A legacy header name or a signing call written in the file: each must end in a
    finding (``rewritten``, ``manual`` or ``ignored``)."""

    kind: str  # "header" or "signing"
    what: str  # the header name, or the signing call as written
    loc: Loc
    function: str


@dataclass
class FileSummary:
    module: str
    path: str
    is_package: bool = False
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    globals: dict[str, Value] = field(default_factory=dict)
    global_stores: dict[str, list[Store]] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    sites: list[SiteRec] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    # Loads of repository names per enclosing function: which helpers a rewrite leaves unused.
    references: dict[str, dict[str, list[Loc]]] = field(default_factory=dict)
    attribute_names: set[str] = field(default_factory=set)  # every .name loaded anywhere
    attribute_reads: list[AttributeRead] = field(default_factory=list)
    item_reads: list[ItemRead] = field(default_factory=list)
    # Functions (and "<module>" code) with a literal that names the Canada API (/v3/ca/,
    # WALMART.CA): look-alike evidence for the sites written there.
    canada_functions: set[str] = field(default_factory=set)
    module_docstring: bool = False
    statements: int = 0  # top-level statements, docstring and imports included

    def settings_modules(self) -> set[str]:
        """Modules of the repository this file imports names or attributes from: they may
        hold the settings credentials are read from."""
        return {q.rpartition(".")[0] for q in self.imports.values() if "." in q} | \
            {q for q in self.imports.values()}

"""Effective header sets: what each request carries, once the headers built at a site are
merged with what other functions add and with the session's or client's default headers -
and the URL it goes to. A site is judged by every header set it ends up in."""

from __future__ import annotations

from dataclasses import dataclass, field

from codemods.flow.library import strip
from codemods.flow.repository import Repository
from codemods.flow.summary import FileSummary, FunctionSummary, PathWrite, Send, SiteRec
from codemods.flow.values import Entry, Global, Instance, Lit, Loc, Self, SelfAttr, Value, Via, Zip

__all__ = ["HeaderSet", "HeaderSets", "SiteView", "fold"]


def fold(name: Value) -> str | None:
    """A header name, upper-cased, when it is known."""
    inner = strip(name)
    return inner.text.upper() if isinstance(inner, Lit) else None


@dataclass
class HeaderSet:
    entries: list[Entry]  # names resolved, values in the sender's terms
    urls: list[Value]
    method: str | None
    function: str
    context: str | None
    send: Send | None = None

    def names(self) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for entry in self.entries:
            name = fold(entry.name)
            if name is not None:
                found[name] = entry
        return found

    def locs(self) -> set[Loc]:
        return {e.loc for e in self.entries}


@dataclass
class SiteView:
    """A site in one receiver class: its own entries, and every header set it is part of."""

    site: SiteRec
    file: FileSummary
    context: str | None
    entries: list[Entry]
    sets: list[HeaderSet] = field(default_factory=list)
    whole: list[Entry] = field(default_factory=list)  # a dict's entries with its spreads

    def whole_names(self) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for entry in self.whole:
            name = fold(entry.name)
            if name is not None:
                found[name] = entry
        return found

    def names(self) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for entry in self.entries:
            name = fold(entry.name)
            if name is not None:
                found[name] = entry
        return found


def _client_key(value: Value) -> tuple[object, ...] | None:
    """Which object a session, client or request is, across the functions that use it."""
    while isinstance(value, Via):
        if isinstance(value.carrier, SelfAttr):
            return ("self", value.carrier.name)
        if isinstance(value.carrier, Global):
            return ("global", value.carrier.module, value.carrier.name)
        value = value.value
    if isinstance(value, SelfAttr):
        return ("self", value.name)
    if isinstance(value, Instance):
        return ("instance", value.loc)
    return None


class HeaderSets:
    """Every send of the repository, evaluated, and the default headers of every client."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.defaults: dict[tuple[object, ...], list[tuple[PathWrite, str | None]]] = {}
        self.sets: list[HeaderSet] = []
        self._by_loc: dict[Loc, list[HeaderSet]] = {}
        for function in repo.functions.values():
            for context in self.contexts(function.qualname):
                for write in function.path_writes:
                    self._default(write, function, context)
        for function in repo.functions.values():
            for context in self.contexts(function.qualname):
                for send in function.sends:
                    self._send(send, function, context)
        for function in repo.functions.values():
            for context in self.contexts(function.qualname):
                self._built_here(function, context)

    def contexts(self, function: str) -> list[str | None]:
        """The receiver classes a function's ``self`` can be: its class and the repository
        classes inheriting it; None for functions outside classes."""
        owner = self.repo.class_of_function(function)
        while owner is None and "." in function:
            function = function.rpartition(".")[0]
            owner = self.repo.class_of_function(function) or (
                function if function in self.repo.classes else None)
        if owner is None:
            return [None]
        return list(self.repo.subclasses(owner))

    def _default(self, write: PathWrite, function: FunctionSummary, context: str | None) -> None:
        if not write.path or write.path[-1] != "headers":
            return
        root = self.repo.ev(write.root, context)
        if isinstance(strip(root), Self) and len(write.path) == 2:
            key: tuple[object, ...] | None = ("self", write.path[0])
        elif len(write.path) == 1:
            key = _client_key(root)
        else:
            key = None
        if key is not None:
            self.defaults.setdefault(key, []).append((write, context))

    def default_entries(self, client: Value, context: str | None) -> list[Entry]:
        key = _client_key(client)
        found: list[Entry] = []
        inner = strip(client)
        if isinstance(inner, Instance):
            for name, value in inner.kwargs:
                if name == "headers":
                    found.extend(self.repo.entries(value, context))
        if key is None:
            return found
        for write, write_context in self.defaults.get(key, []):
            if key[0] == "self" and write_context != context:
                continue
            if write.entry is not None and isinstance(write.entry, Entry):
                found.extend(self.repo.entries(_single(write.entry), write_context))
            if write.spread is not None:
                found.extend(self.repo.entries(write.spread, write_context))
        return found

    def _built_here(self, function: FunctionSummary, context: str | None) -> None:
        """The headers one function puts on a request object it was handed or made
        (``r.headers[...] = ...`` and ``r.headers.update(zip(...))`` in an auth hook): one
        set, whoever sends it."""
        groups: dict[tuple[object, ...], list[PathWrite]] = {}
        for write in function.path_writes:
            if write.path and write.path[-1] == "headers" and \
                    not isinstance(strip(write.root), Self):
                groups.setdefault((write.root, write.path), []).append(write)
        for writes in groups.values():
            if len(writes) < 2:
                continue
            entries: list[Entry] = []
            for write in writes:
                if isinstance(write.entry, Entry):
                    entries.extend(self.repo.entries(_single(write.entry), context))
                if write.spread is not None:
                    entries.extend(self.repo.entries(write.spread, context))
            header_set = HeaderSet(entries, [], None, function.qualname, context)
            self.sets.append(header_set)
            for loc in header_set.locs():
                self._by_loc.setdefault(loc, []).append(header_set)

    def _send(self, send: Send, function: FunctionSummary, context: str | None) -> None:
        entries: list[Entry] = []
        urls: list[Value] = []
        method = send.method
        if send.client is not None:
            client = self.repo.ev(send.client, context)
            entries.extend(self.default_entries(client, context))
            inner = strip(client)
            if isinstance(inner, Instance):
                kwargs = dict(inner.kwargs)
                if inner.cls.endswith("Request") and inner.args:
                    urls.append(self.repo.ev(inner.args[0], context))
                if "base_url" in kwargs:
                    urls.append(self.repo.ev(kwargs["base_url"], context))
                verb = strip(self.repo.ev(kwargs["method"], context)) if "method" in kwargs else None
                if method is None and isinstance(verb, Lit):
                    method = verb.text.upper()
        if send.headers is not None:
            entries.extend(self.repo.entries(send.headers, context))
        if send.url is not None:
            urls.append(self.repo.ev(send.url, context))
        if not entries:
            return
        header_set = HeaderSet(entries, urls, method, function.qualname, context, send)
        self.sets.append(header_set)
        for loc in header_set.locs():
            self._by_loc.setdefault(loc, []).append(header_set)

    def containing(self, locs: set[Loc]) -> list[HeaderSet]:
        found: list[HeaderSet] = []
        for loc in locs:
            for header_set in self._by_loc.get(loc, []):
                if header_set not in found:
                    found.append(header_set)
        return found

    def view(self, site: SiteRec, file: FileSummary, context: str | None) -> SiteView:
        if site.kind == "zip" and site.zip_args is not None:
            entries = self.repo.entries(Zip(*site.zip_args), context)
        else:
            entries = [Entry(self.repo.ev(e.name, context), self.repo.ev(e.value, context), e.loc)
                       for e in site.entries]
        view = SiteView(site, file, context, entries)
        view.sets = self.containing({e.loc for e in entries})
        if site.value is not None:
            view.whole = self.repo.entries(site.value, context)
        return view


def _single(entry: Entry) -> Value:
    from codemods.flow.values import Mapping

    return Mapping((entry,), ())

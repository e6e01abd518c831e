"""Per-file facts kept by content, so a run after one file changed analyses that file again
and takes the others' from here: a file's summary (the first pass), and what the second pass
found in it under a given repository plan (statuses and findings - never text to write, so
only a run that neither writes nor prints a diff uses those).

An entry's key is the tool (versions and source of what decides an outcome), the file's
content id, its path and module name, and, for the second pass, the whole plan. Entries are
JSON; reading one builds only the analysis's own plain data classes, never runs code. A
summary's entry is two lines: its digest and outline (``migrate.runner.summaries``), read at
once, then the summary itself, decoded only when a plan is made from it."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from migrate.runner.entries import keep_newest, replace_whole
from migrate.runner.inputs import SourceFile
from migrate.runner.results import FileResult
from migrate.runner.summaries import Outline

if TYPE_CHECKING:  # the analysis's modules load only in a run that analyses
    from codemods.flow.plan import RepoPlan
    from codemods.flow.summary import FileSummary

__all__ = ["FactsCache", "KeptSummary", "digest", "pack", "unpack"]

FORMAT = 7
_WORD = re.compile(rb"\w+")
KEEP = 8192  # entries; the oldest go first
# The most parts other than scalars a kept summary's plain form may have (a few MB of
# JSON). A summary shares values its plain form repeats: a long function that builds one
# object call by call (the standard library's http/server.py) came to 86 MB, and writing it
# took 25 s where analysing the file again takes a fraction of one.
SUMMARY_PARTS = 150_000
# The last summary this process read or kept for each file, with the entry it came from: a
# watching process (``scan --watch``) joins the same unchanged files again after every
# save, and decoding them is most of that. One per file, so an edited file's older
# summaries go. An entry is named by the file's content, so its summary never changes; the
# analysis only reads summaries once made (tests/runner/test_facts.py holds it to that).
_SUMMARIES: dict[tuple[Path, str], tuple[Path, KeptSummary]] = {}
# Only these modules' data classes are rebuilt from an entry.
_RECORDS = ("codemods.flow.summary", "codemods.flow.values", "codemods.findings",
            "codemods.flow.plan", "codemods.flow.renames")


class TooBig(TypeError):
    """A value whose plain form would pass the size it was given."""


_SCALARS = frozenset((str, int, bool, float, type(None)))
# A kept value: a scalar is itself; anything else a list whose first item says what it is -
# one of these, or from _RECORD on a record: its kind's place in the entry's list of kinds,
# then its fields in their order. Field and class names are not repeated in every record,
# so an entry is half the size of a digest's form, and reading one builds no dictionary per
# record. A summary's values share parts (a credential reaches several header sets): an
# immutable part met again - a tuple, a frozen record - is _SHARED with its place among
# those written before it, in the order they were finished. The entry is then a third of
# the size, and reading it makes each part once, shared as it was.
_LIST, _TUPLE, _DICT, _FROZENSET, _SET, _BYTES, _SHARED = range(7)
_RECORD = 7
# What reading a damaged entry raises (cut, hand-edited, nested past any summary): the entry
# is then analysed again, as a missing one is.
_DAMAGED = (LookupError, TypeError, ValueError, AttributeError, ImportError, RecursionError,
            MemoryError)


class KeptSummary:
    """A file's summary as an earlier run kept it: its outline and digest, and the summary
    itself, decoded from the entry's second line when first asked for."""

    __slots__ = ("_body", "_whole", "digest", "outline")

    def __init__(self, outline: Outline, digest: str, whole: FileSummary | None = None,
                 body: bytes | None = None) -> None:
        self.outline = outline
        self.digest = digest
        self._whole = whole
        self._body = body

    def whole(self) -> FileSummary | None:
        """The summary; None when the entry's second line is damaged."""
        if self._body is not None:
            from codemods.flow.summary import FileSummary

            body, self._body = self._body, None
            try:
                found = unpack(json.loads(body))
            except _DAMAGED:
                found = None
            self._whole = found if isinstance(found, FileSummary) else None
        return self._whole


def pack(value: Any) -> dict[str, Any]:
    """JSON-able data that ``unpack`` turns back into an equal value."""
    packed, kinds = _plain(value, canonical=False)
    return {"kinds": [f"{k.__module__}:{k.__qualname__}" for k in kinds], "value": packed}


def _plain(value: Any, canonical: bool, budget: int | None = None) -> tuple[Any, dict[type, Any]]:
    """``value`` in the form above, and the record kinds met, with their tags. To keep: each
    record tagged by its kind's place in that table. For a digest (``canonical``): tagged by
    its kind's name, and dicts and sets in order, so that the digest does not depend on how
    they were built (a set of names iterates in another order in every process); a dict is
    ordered by its keys alone (they differ), strings as they are and other keys by their
    JSON text. ``budget``: the most parts other than scalars it may have."""
    tags: dict[type, Any] = {}
    left = [budget if budget is not None else -1]
    plain = _SCALARS
    shared: dict[int, int] | None = None if canonical else {}  # id -> place

    # Scalars are taken where they stand, as ``unpack`` does.
    def put(value: Any) -> Any:
        if left[0] >= 0:
            left[0] -= 1
            if left[0] < 0:
                raise TooBig("the plain form is too big to keep")
        kind = type(value)
        if shared is not None:
            place = shared.get(id(value))
            if place is not None:
                return [_SHARED, place]
        if kind is tuple or kind is list:
            form = [_TUPLE if kind is tuple else _LIST,
                    *[v if type(v) in plain else put(v) for v in value]]
            if shared is not None and kind is tuple:
                shared[id(value)] = len(shared)
            return form
        tag = tags.get(kind)
        if tag is None and dataclasses.is_dataclass(kind):
            tag = tags[kind] = f"{kind.__module__}:{kind.__qualname__}" if canonical else \
                _RECORD + len(tags)
        if tag is not None:
            form = [tag, *[v if type(v) in plain else put(v)
                           for v in map(value.__getattribute__, _fields(kind))]]
            if shared is not None and _frozen(kind):
                shared[id(value)] = len(shared)
            return form
        if kind is dict:
            pairs = [(k if type(k) in plain else put(k), v if type(v) in plain else put(v))
                     for k, v in value.items()]
            if canonical:
                pairs.sort(key=_first if all(type(k) is str for k, _ in pairs) else
                           _first_as_text)
            return [_DICT, *[part for pair in pairs for part in pair]]
        if kind is frozenset or kind is set:
            items = [v if type(v) in plain else put(v) for v in value]
            if canonical:
                items.sort(key=_as_text)
            return [_FROZENSET if kind is frozenset else _SET, *items]
        if kind is bytes:
            return [_BYTES, value.hex()]
        if isinstance(value, (str, int, float)):  # a member of an enumeration, as its value
            return value
        raise TypeError(f"no plain form for {kind.__name__}")

    return (value if type(value) in plain else put(value)), tags


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(kind: type) -> tuple[str, ...]:
    """A record class's field names in order (``dataclasses.fields`` builds them each call)."""
    found = _FIELDS.get(kind)
    if found is None:
        found = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return found


_FROZEN: dict[type, bool] = {}


def _frozen(kind: type) -> bool:
    """Whether a record class is immutable: its instances may be shared."""
    found = _FROZEN.get(kind)
    if found is None:
        found = _FROZEN[kind] = bool(kind.__dataclass_params__.frozen)  # type: ignore[attr-defined]
    return found


def unpack(data: Any) -> Any:
    """The value ``pack`` was given; only the analysis's own records are made."""
    kinds = [_record(str(name)) for name in data["kinds"]]
    plain = _SCALARS
    shared: list[Any] = []  # the immutable parts made so far, in the order pack finished them

    # Scalars are taken as they are where they stand, not through a call each: most of
    # the parts of a summary are.
    def get(item: Any) -> Any:
        if type(item) is not list:
            raise TypeError(f"no value has the plain form {type(item).__name__}")
        tag = item[0]
        if tag == _SHARED:
            place = item[1]
            if type(place) is not int or not 0 <= place < len(shared):
                raise ValueError(f"no part was written at place {place!r}")
            return shared[place]
        if tag >= _RECORD:
            record, names, init, checked = kinds[tag - _RECORD]
            if len(item) != len(names) + 1:
                raise ValueError(f"{record.__name__} has {len(names)} fields")
            values = [v if type(v) in plain else get(v) for v in item[1:]]
            if checked:  # it checks its fields: made through its constructor
                made = record(**{n: v for n, v in zip(names, values) if n in init})
                for name, value in zip(names, values):
                    if name not in init:
                        object.__setattr__(made, name, value)
            else:
                # What the generated constructor of a frozen record does, without a call per
                # field.
                made = object.__new__(record)
                made.__dict__.update(zip(names, values))
            if _frozen(record):
                shared.append(made)
            return made
        items = [v if type(v) in plain else get(v) for v in item[1:]]
        if tag == _TUPLE:
            made = tuple(items)
            shared.append(made)
            return made
        if tag == _LIST:
            return items
        if tag == _DICT:
            return dict(zip(items[::2], items[1::2]))
        if tag == _FROZENSET:
            return frozenset(items)
        if tag == _SET:
            return set(items)
        if tag == _BYTES:
            return bytes.fromhex(items[0])
        raise ValueError(f"no value has the plain form tagged {tag!r}")

    value = data["value"]
    return value if type(value) in plain else get(value)


@cache
def _record(name: str) -> tuple[type, tuple[str, ...], frozenset[str], bool]:
    """A record class of the analysis by its ``module:Class`` name, with its fields in order,
    those its constructor takes, and whether it checks them (a ``__post_init__``, or slots
    where no instance dictionary can be filled)."""
    module, _, qualname = name.partition(":")
    if module not in _RECORDS:
        raise ValueError(f"{module} is not a module of the analysis's records")
    kind = getattr(importlib.import_module(module), qualname)
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        raise ValueError(f"{name} is not a record")
    fields = dataclasses.fields(kind)
    checked = hasattr(kind, "__post_init__") or "__slots__" in vars(kind) or \
        any(hasattr(base, "__slots__") and base is not object for base in kind.__mro__[1:])
    return (kind, tuple(f.name for f in fields), frozenset(f.name for f in fields if f.init),
            checked)


def _as_text(item: Any) -> str:
    return json.dumps(item)


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _first_as_text(pair: tuple[Any, Any]) -> str:
    return json.dumps(pair[0])


def digest(value: Any, budget: int | None = None) -> str | None:
    """A stable digest of plain data (a plan); None when it has parts with no plain form,
    or more than ``budget`` parts."""
    try:
        text = json.dumps(_plain(value, True, budget)[0], separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(text.encode()).hexdigest()


class FactsCache:
    def __init__(self, folder: Path, tool: str, results: bool,
                 prepare: Callable[[], None] = lambda: None) -> None:
        self.folder = folder / "facts"
        self.tool = tool
        self.results = results  # second-pass facts may answer (no rewritten text is read)
        self.prepare = prepare  # makes the cache folder, tagged for backup tools
        self.stored = 0

    def _path(self, *parts: object) -> Path:
        key = hashlib.sha256(json.dumps([FORMAT, self.tool, *parts]).encode()).hexdigest()
        return self.folder / key[:2] / f"{key[2:40]}.json"

    def _read(self, path: Path) -> Any:
        try:
            return json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError, MemoryError):  # nested past any summary
            return None

    def _write(self, path: Path, entry: Any) -> None:
        try:
            if not self.stored:
                self.prepare()
            path.parent.mkdir(parents=True, exist_ok=True)
            replace_whole(path, entry if isinstance(entry, bytes) else json.dumps(entry).encode())
            self.stored += 1
        except (OSError, TypeError, ValueError):
            pass  # a read-only checkout runs without it

    def _remember(self, source: SourceFile, path: Path, kept: KeptSummary) -> KeptSummary:
        _SUMMARIES[(self.folder, source.display)] = (path, kept)
        return kept

    @staticmethod
    def _file(source: SourceFile, content: str, limit: int) -> list[object]:
        return [content, source.display, source.module, source.is_package, limit]

    def summary(self, source: SourceFile, content: str, limit: int) -> KeptSummary | None:
        """The file's kept summary, with its digest (the same for equal summaries, whichever
        run made them)."""
        path = self._path("summary", *self._file(source, content, limit))
        known = _SUMMARIES.get((self.folder, source.display))
        if known is not None and known[0] == path:
            return known[1]
        try:
            head, _, body = path.read_bytes().partition(b"\n")
            entry = json.loads(head)
            kept = KeptSummary(Outline.from_json(entry), str(entry["digest"]), body=body)
        except (OSError, *_DAMAGED):
            return None
        return self._remember(source, path, kept)

    def keep_summary(self, source: SourceFile, content: str, limit: int,
                     summary: FileSummary) -> str | None:
        """Keeps it; its digest, None when it has no plain form or one too big to keep."""
        summary_digest = digest(summary, SUMMARY_PARTS)
        if summary_digest is None:
            return None
        path = self._path("summary", *self._file(source, content, limit))
        outline = Outline.of(summary)
        head = {"digest": summary_digest, **outline.to_json()}
        try:
            entry = json.dumps(head).encode() + b"\n" + json.dumps(pack(summary)).encode()
        except (TypeError, ValueError):
            return None
        self._write(path, entry)
        self._remember(source, path, KeptSummary(outline, summary_digest, summary))
        return summary_digest

    def plan(self, key: str) -> RepoPlan | None:
        """The repository plan made from the same summaries with the same options."""
        from codemods.flow.plan import RepoPlan

        entry = self._read(self._path("plan", key))
        try:
            found = unpack(entry) if entry is not None else None
        except _DAMAGED:
            return None
        return found if isinstance(found, RepoPlan) else None

    def keep_plan(self, key: str, plan: RepoPlan) -> None:
        with contextlib.suppress(TypeError):  # no plain form: not kept
            self._write(self._path("plan", key), pack(plan))

    def result(self, source: SourceFile, content: str, limit: int,
               plan: str) -> tuple[FileResult, bool, frozenset[str]] | None:
        """The second pass's facts for the file under this plan: the record (without text),
        whether the rewrite left the module empty, and the words of the rewritten text (what
        it could import)."""
        if not self.results:
            return None
        entry = self._read(self._path("result", plan, *self._file(source, content, limit)))
        try:
            findings = unpack(entry["findings"])
            result = FileResult(str(entry["path"]), str(entry["status"]), str(entry["reason"]),
                                findings, internal_error=False,
                                environment={str(k): str(v) for k, v in entry["environment"].items()},
                                gains_shim=bool(entry["gains_shim"]))
            return result, bool(entry["empty"]), frozenset(str(w) for w in entry["words"])
        except _DAMAGED:
            return None

    def keep_result(self, source: SourceFile, content: str, limit: int, plan: str,
                    result: FileResult, empty: bool) -> None:
        if result.internal_error or result.deleted:
            return  # a codemod bug is not an answer worth keeping
        words = sorted({w.decode("ascii") for w in _WORD.findall(result.new or b"")})
        entry = {"path": result.path, "status": result.status, "reason": result.reason,
                 "findings": pack(result.findings), "environment": result.environment,
                 "gains_shim": result.gains_shim, "empty": empty, "words": words}
        self._write(self._path("result", plan, *self._file(source, content, limit)), entry)

    def prune(self) -> None:
        if not self.stored:
            return
        with contextlib.suppress(OSError):  # another run pruning at the same moment
            keep_newest(self.folder.glob("*/*.json"), KEEP)

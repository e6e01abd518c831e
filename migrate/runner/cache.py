"""Results of an earlier run, reused when nothing they depended on has changed.

A run's outcome is a function of its options, the tool itself, and the content of the files
it read: the candidates, the signing code and settings modules it followed, the files that
import what it may remove, and the files the rename pass took in because they name what is
renamed. An entry records all of that. A later run with the same options reads every
discovered file once (it has to, for the prefilter) and reuses the entry when each recorded
file is byte-for-byte the same (SHA-256) under the same module name, and no other file has
become part of the run: no new marker, no new mention of a renamed name, no new import of a
module the run read, no new settings module. Every file is compared by its content id
(``migrate.runner.contents``): inside git, git says which files still hold what its index
has, and only the others are read; outside git, every file is hashed. A file the run did not
read is read again only when its id changed; a run during which any file changed is not
stored. Editing an unrelated file keeps the cache;
editing a Walmart file, the options, walmart-migrate, LibCST or Python does not.

What a repository carries must never decide what is written or reported. So entries live
where git cannot carry them - inside the repository's git folder, or in the user's cache
folder outside git - and never in the work tree (a cache folder committed there is not read).
They hold facts (statuses, findings, reasons), never text to write: an entry can answer
``scan`` and ``apply --check``, while ``apply`` and ``apply --diff`` compute every rewritten
file in the run that writes or prints it. Entries are JSON, never pickle: reading one never
runs code. A cache that cannot be read or written is ignored; the run goes on.

Beside the entries: per-file facts of the analysis (``migrate.runner.facts``) and the
half-migration check's answer per file (``migrate.runner.checked_files``), both by content.
An entry also records what its run asked of the files it did not read, so that a run whose
entry no longer holds need not read them again (``migrate.runner.quiet``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from codemods.findings import Finding
from migrate import __version__
from migrate.runner.checked_files import CheckedFiles
from migrate.runner.contents import ContentIds, content_id, fingerprint, fingerprint_of
from migrate.runner.entries import keep_newest, replace_whole
from migrate.runner.facts import FactsCache
from migrate.runner.inputs import Reach, SourceFile, has_marker, mentions
from migrate.runner.quiet import Asked, Quiet
from migrate.runner.results import FileResult, RunResult

__all__ = ["FOLDER", "Recorded", "RunCache", "cache_folder", "cache_key"]

FOLDER = ".walmart-migrate-cache"  # where older versions kept it, in the work tree: never read
NAME = "walmart-migrate-cache"
FORMAT = 7
KEEP = 16  # entries per repository: one per distinct set of options and paths
# A file modified this close to the start of the run (or after it) may have been read in
# another state than the one hashed afterwards; such a run is not stored.
RACY_NS = 100_000_000

_PACKAGE = Path(__file__).resolve().parents[2]
_TOOL_SOURCES = ("codemods", "migrate/runner", "shim/_wire.py")


def cache_folder(git_dir: Path | None, root: Path) -> Path:
    """Inside the git folder (a clone never brings it along), else the user's cache folder,
    one sub-folder per tree."""
    if git_dir is not None:
        return git_dir / NAME
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tree = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:24]
    return base / "walmart-migrate" / tree


def _versions() -> str:
    """Python and LibCST parse the files; walmart-migrate decides. Read without importing
    LibCST: a run answered from the cache never loads it."""
    return f"{__version__}\0{sys.version}\0{sys.implementation.name}\0{_libcst_version()}"


def _libcst_version() -> str:
    """From the name of the .dist-info folder pip put beside the package, found without
    importing it; importlib.metadata, which searches every installed distribution, only
    when that folder is not there to read (importing it was a tenth of a warm run)."""
    spec = importlib.util.find_spec("libcst")
    if spec is None or not spec.origin:
        return "none"
    found = list(Path(spec.origin).parent.parent.glob("libcst-*.dist-info"))
    if len(found) == 1:
        return found[0].name[len("libcst-"):-len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version("libcst")
    except metadata.PackageNotFoundError:
        return "none"


def _tool_fingerprint() -> str:
    """The versions and the source of what decides a run's outcome, so that an upgrade or an
    edited checkout never reuses results an older codemod produced."""
    return hashlib.sha256(f"{_versions()}\0{_tool_sources()}".encode()).hexdigest()


@cache
def _tool_sources() -> str:
    """Read once per process: the tool's own source does not change under a running tool."""
    digest = hashlib.sha256()
    for name in _TOOL_SOURCES:
        target = _PACKAGE / name
        files = [target] if target.is_file() else sorted(target.rglob("*.py"))
        for path in files:
            digest.update(str(path.relative_to(_PACKAGE)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(codemods: tuple[str, ...], options: dict[str, Any], paths: list[str]) -> str:
    payload = json.dumps([FORMAT, _tool_fingerprint(), list(codemods), options, sorted(paths)],
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass
class Recorded:
    """What the run depended on, beyond its options."""

    files: dict[str, str]  # display path -> module name
    markers: tuple[bytes, ...]
    names: frozenset[str]
    settings: frozenset[str]
    reach: Reach = field(default_factory=Reach)
    asked: Asked = field(default_factory=Asked)  # of every file the run did not read


def _text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bytes(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _file_to_json(result: FileResult) -> dict[str, Any]:
    """Facts only: the rewritten text is not kept (see the module's docstring)."""
    return {**result.to_json(), "internal_error": result.internal_error,
            "environment": list(result.environment.items()), "gains_shim": result.gains_shim}


def _file_from_json(data: dict[str, Any]) -> FileResult:
    return FileResult(path=str(data["path"]), status=str(data["status"]), reason=str(data["reason"]),
                      findings=[Finding(**{**f, "chain": tuple(f.get("chain", ()))})
                                for f in data["findings"]],
                      internal_error=bool(data["internal_error"]),
                      environment={str(k): str(v) for k, v in data["environment"]},
                      deleted=bool(data.get("deleted", False)),
                      gains_shim=bool(data["gains_shim"]))


class RunCache:
    def __init__(self, folder: Path, key: str, repository: Path | None = None) -> None:
        self.folder = folder
        self.path = self.folder / f"{key}.json"
        self.repository = repository  # the git work tree the files are in, if any
        self.started_ns = time.time_ns()
        # The files as the run found them: asked by the entry's check and the per-file facts.
        self.ids = ContentIds(repository, self.started_ns)
        self._entry: Any = None  # as ``answer`` read it

    def checked_files(self, sources: list[SourceFile], settings: list[Any]) -> CheckedFiles:
        """The half-migration check's answers per file, by content."""
        return CheckedFiles(self.folder / "checked", [_tool_fingerprint(), settings], sources,
                            self.ids, self._prepare)

    def facts(self, results: bool) -> FactsCache:
        """Per-file facts beside the run's entries; ``results``: second-pass facts may answer
        (the caller reads no rewritten text)."""
        return FactsCache(self.folder, _tool_fingerprint(), results, self._prepare)

    # reading

    def _read(self) -> Any:
        if self._entry is None:
            self._entry = json.loads(self.path.read_bytes())
        return self._entry

    def likely_holds(self, base: Path, needs_text: bool = False) -> bool:
        """Whether the recorded result is likely to answer: every file its run read has the
        status recorded with it (and, for a run that writes or prints the rewritten text,
        which no entry holds, no file is to change). Asked before the files are found
        (``answer`` decides), so that a run about to compute starts its workers at once
        (``migrate.runner.parallel``)."""
        try:
            entry = self._read()
            if entry.get("format") != FORMAT:
                return False
            if needs_text and any(f["status"] == "changed" for f in entry["files"]):
                return False
            for display, (digest, status, _) in entry["inputs"].items():
                path = base / display
                if status is None:  # recorded just after a change: its bytes tell
                    if content_id(path.read_bytes()) != digest:
                        return False
                elif fingerprint_of(os.stat(path)) != status:
                    return False
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return False
        return True

    def answer(self, sources: list[SourceFile]) -> RunResult | None:
        """The recorded result, if it still holds for these files; None otherwise. Changed
        files come without their text: a run that writes or prints it computes it."""
        try:
            entry = self._read()
            if entry.get("format") != FORMAT:
                return None
            checked: dict[str, tuple[str, os.stat_result]] = {}
            result = _still_valid(entry, sources, self.ids, checked)
            if result is not None:
                self._settle(entry, sources, checked)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None  # missing, half written, from another version, or not ours
        return result

    def _settle(self, entry: dict[str, Any], sources: list[SourceFile],
                checked: dict[str, tuple[str, os.stat_result]]) -> None:
        """Record the statuses of the files this run had to hash, now settled, so that the
        next run takes their ids from their status; and a file the run did not read that
        changed, and answered no to every question again, as it is now: the id of the bytes
        that answered, with the status taken before they were read (any later change shows
        in the status)."""
        changed = False
        for source in sources:
            for table in ("inputs", "others"):
                seen = entry[table].get(source.display)
                if seen is None:
                    continue
                if table == "others" and source.display in checked:
                    found, status = checked[source.display]
                    now = [found, fingerprint(source.path, self.started_ns, status)]
                    if now[1] is not None and seen[:2] != now:
                        seen[:2] = now
                        changed = True
                elif self.ids.settle(source.path, seen):
                    changed = True
        if changed:
            with contextlib.suppress(OSError):  # a read-only checkout runs without it
                replace_whole(self.path, json.dumps(entry, sort_keys=True).encode())

    def quiet(self, sources: list[SourceFile]) -> Quiet | None:
        """The files the recorded run did not read that hold what they held then, and what
        it asked of them: a run computing its result again need not read them."""
        try:
            entry = self._read()
            if entry.get("format") != FORMAT:
                return None
            asked = Asked.from_json(entry["asked"])
            others: dict[str, list[Any]] = entry["others"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        unchanged = set()
        for source in sources:
            known = others.get(source.display)
            try:
                if known is not None and known[0] == self.ids.of(source.path, (known[0], known[1])):
                    unchanged.add(source.display)
            except (OSError, TypeError, IndexError):
                continue
        return Quiet(frozenset(unchanged), asked)

    # writing

    def store(self, result: RunResult, recorded: Recorded, sources: list[SourceFile]) -> None:
        if result.internal_errors:
            return  # a codemod bug is not an answer worth keeping
        files: dict[str, list[Any]] = {}
        others: dict[str, list[Any]] = {}
        ids = self.ids  # a file this run hashed, unchanged since, is not hashed again
        now = time.time_ns()
        try:
            for source in sources:
                status = os.stat(source.path)
                if status.st_mtime_ns >= self.started_ns - RACY_NS:
                    return  # changed while the run read it: the result may not match the bytes
                seen = [ids.of(source.path, status=status), fingerprint(source.path, now, status)]
                if source.display in recorded.files:
                    files[source.display] = [*seen, recorded.files[source.display]]
                else:  # not read by the run: read again only if its id changes
                    others[source.display] = seen
        except OSError:
            return
        if len(files) != len(recorded.files):
            return
        entry = {
            "format": FORMAT,
            "markers": [_text(m) for m in recorded.markers],
            "names": sorted(recorded.names),
            "settings": sorted(recorded.settings),
            "reach": recorded.reach.to_json(),
            "asked": recorded.asked.to_json(),
            "inputs": files,
            "others": others,
            # As pairs: the entry's keys are sorted, and a report lists these in the order
            # the run found them.
            "environment": list(result.environment.items()),
            "kept_names": list(result.kept_names.items()),
            "files": [_file_to_json(r) for r in result.files],
        }
        try:
            self._prepare()
            replace_whole(self.path, json.dumps(entry, sort_keys=True).encode())
            keep_newest(self.folder.glob("*.json"), KEEP)
        except OSError:
            pass  # a read-only checkout runs without a cache

    def _prepare(self) -> None:
        if not (self.folder / "CACHEDIR.TAG").is_file():
            self.folder.mkdir(parents=True, exist_ok=True)
            # Marked for backup tools.
            (self.folder / "CACHEDIR.TAG").write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by walmart-migrate.\n")

def _still_valid(entry: dict[str, Any], sources: list[SourceFile], ids: ContentIds,
                 checked: dict[str, tuple[str, os.stat_result]]) -> RunResult | None:
    """``checked``: filled with each unread file that changed and still answers no to every
    question - the id of the very bytes that were asked, and its status taken before."""
    inputs: dict[str, list[Any]] = entry["inputs"]
    others: dict[str, list[Any]] = entry["others"]
    markers = tuple(_bytes(m) for m in entry["markers"])
    names = frozenset(str(n) for n in entry["names"])
    settings = frozenset(str(m) for m in entry["settings"])
    reach = Reach(frozenset(str(m) for m in entry["reach"]["modules"]),
                  frozenset(str(m) for m in entry["reach"]["methods"]))
    # Every question the run put to the files it did not read (an import of a module it
    # deleted, too): a file that now answers yes would change the outcome.
    answers_yes = Asked.from_json(entry["asked"]).answers_yes()
    seen = 0
    for source in sources:
        recorded = inputs.get(source.display)
        try:
            if recorded is None:
                # A file the run did not read must still be one it would not read.
                if source.module in settings:
                    return None
                known = others.get(source.display)
                status = os.stat(source.path)
                if known is not None and \
                        known[0] == ids.of(source.path, (known[0], known[1]), status):
                    continue
                data = Path(source.path).read_bytes()
                if has_marker(data, markers) or mentions(data, names) or reach.touches(data) or \
                        answers_yes(data):
                    return None
                checked[source.display] = (content_id(data), status)
                continue
            digest, status, module = recorded
            if source.module != module or ids.of(source.path, (digest, status)) != digest:
                return None
        except OSError:
            return None
        seen += 1
    if seen != len(inputs):
        return None  # a file the run read is gone
    result = RunResult(environment={str(k): str(v) for k, v in entry["environment"]},
                       kept_names={str(k): str(v) for k, v in entry["kept_names"]})
    result.files = [_file_from_json(f) for f in entry["files"]]
    return result

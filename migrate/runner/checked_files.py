"""What the half-migration check found in each file, kept by content id, so a run after a
warm one reads again only the files that changed. The check looks at every file of the
repository (a half-migrated read carries no marker), and reading and parsing them all again
cost more than the rest of a warm run.

Per file: the credential reads it makes from the repository's modules (empty for a file
that names no credential), and, for a module such reads name, the names it defines. A
file's reads depend on which modules the repository has, so the entry is keyed by that set
too (and by the tool, the credential words and the size limit): adding, moving or removing
a file starts it afresh. One JSON file, replaced whole, never text to write."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any, Callable

from migrate.runner.contents import ContentIds, content_id, fingerprint
from migrate.runner.entries import keep_newest, replace_whole
from migrate.runner.inputs import SourceFile

__all__ = ["MISSING", "CheckedFiles"]

FORMAT = 1
KEEP = 4  # layouts (sets of modules and options) kept; the oldest go first
MISSING: Any = object()  # no answer kept for the file as it is now


class CheckedFiles:
    def __init__(self, folder: Path, key: list[Any], sources: list[SourceFile],
                 ids: ContentIds, prepare: Callable[[], None] = lambda: None) -> None:
        layout = sorted([s.display, s.module, s.is_package] for s in sources)
        digest = hashlib.sha256(json.dumps([FORMAT, key, layout]).encode()).hexdigest()
        self.path = folder / f"{digest[:32]}.json"
        self.folder = folder
        self.prepare = prepare  # makes the cache folder, tagged for backup tools
        self.ids = ids
        self.started_ns = time.time_ns()
        self.changed = False
        self.tables: dict[str, dict[str, list[Any]]] = {"reads": {}, "defined": {}}
        try:
            kept = json.loads(self.path.read_bytes())
            if isinstance(kept, dict) and set(kept) == set(self.tables):
                self.tables = kept
        except (OSError, ValueError):
            pass  # none yet, half written or not ours: every file is checked

    def get(self, table: str, source: SourceFile) -> Any:
        """The kept answer for the file's current content, or ``MISSING``."""
        entry = self.tables[table].get(source.display)
        if not isinstance(entry, list) or len(entry) != 3:
            return MISSING
        try:
            if self.ids.of(source.path, (entry[0], entry[1])) != entry[0]:
                return MISSING
        except OSError:
            return MISSING
        if self.ids.settle(source.path, entry):  # hashed this time: its status, from now on
            self.changed = True
        return entry[2]

    def keep(self, table: str, source: SourceFile, data: bytes, answer: Any) -> None:
        """``data``: the bytes the answer was worked out from, as read."""
        try:
            # A file changed after the run began is kept without its status: the next run
            # asks git or hashes it, rather than trusting a status that may be newer.
            seen = fingerprint(source.path, self.started_ns)
        except OSError:
            return
        self.tables[table][source.display] = [content_id(data), seen, answer]
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        try:
            self.prepare()
            self.folder.mkdir(parents=True, exist_ok=True)
            replace_whole(self.path, json.dumps(self.tables).encode())
            keep_newest(self.folder.glob("*.json"), KEEP)
        except OSError:
            pass  # a read-only checkout runs without it

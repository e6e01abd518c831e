"""What each file holds, named by git's object id for its bytes, so the result cache can tell
whether a file changed without reading it. A size and a modification time alone are not
enough: ``cp -p``, rsync and tar put different bytes in a file with both kept.

A file is taken as unchanged, without reading it, when its status is the one recorded with
its id - size, modification and change times to the nanosecond, inode - and that record was
not taken just after a change (the change time is set by the system on every write, and no
tool can set it back).

Any other file is read and hashed the way git hashes it, up to ``HASH_FIRST`` bytes hashed
in a run. Past that (a checkout changes every status), inside git, a file is taken as
unchanged without reading it when git vouches for it: ``git status`` does not list it (it
compares size, times, inode, and the content of a racy file) and it has not changed since
the second the index was written (git keeps times in seconds: within that second it cannot
tell); it then holds what the index says. Like any ``git status``, this may refresh the
times the index keeps. Once git is asked, every file it does not vouch for is hashed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path
from typing import Any

__all__ = ["ContentIds", "Fingerprint", "content_id", "fingerprint", "fingerprint_of"]

Fingerprint = list[int]  # size, modification time, change time (ns), inode
# Bytes of changed files a run hashes before it asks git for the rest. Asking git takes three
# processes whatever changed: 12-15 ms with its answer read on a 2,000-file repository, more on
# a bigger one (``git status`` looks at every file); reading and hashing 4 MB takes about as
# long. So after a few edits the files are hashed, and after a checkout git is asked.
HASH_FIRST = 4 * 1024 * 1024
# Times this close together may be one tick of a file system that keeps coarse times.
WINDOW_NS = 2_000_000_000


def content_id(data: bytes) -> str:
    """git's blob id of these bytes (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def fingerprint_of(status: os.stat_result) -> Fingerprint:
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]


class ContentIds:
    """The files' ids as one run finds them. A file this run had to hash is hashed once, not
    once per cache that asks; and when it had settled before the run began, its status is
    recorded with its id (``settle``), so that the next run need not hash it again - after a
    checkout or a copy, every file is new to the statuses recorded."""

    def __init__(self, repository: Path | None, started_ns: int | None = None) -> None:
        self._repository = repository
        self._git: tuple[dict[str, str], int] | None = None  # asked once, when first needed
        self._started_ns = time.time_ns() if started_ns is None else started_ns
        self._settled: dict[str, tuple[Fingerprint, str]] = {}  # path -> status, id
        self._hashed: set[str] = set()  # paths whose id came from their bytes this run
        self._hashed_bytes = 0

    def _index(self) -> tuple[dict[str, str], int]:
        """Absolute path -> blob id as git's index has it, and when git last wrote it."""
        if self._git is None:
            self._git = _clean_tracked(self._repository) if self._repository else ({}, 0)
        return self._git

    def of(self, path: str, recorded: tuple[str, Fingerprint | None] | None = None,
           status: os.stat_result | None = None) -> str:
        """The file's id; ``recorded``: its id and status when last seen; ``status``: the
        file's status, just taken. Raises OSError."""
        status = os.stat(path) if status is None else status
        seen = fingerprint_of(status)
        kept = self._settled.get(path)
        if kept is not None and kept[0] == seen:
            return kept[1]
        if recorded is not None and recorded[1] is not None and recorded[1] == seen:
            found = recorded[0]
        else:
            found = ""
            if self._git is not None or self._hashed_bytes + status.st_size > HASH_FIRST:
                vouched, written = self._index()
                found = vouched.get(os.path.abspath(path)) or ""
                if status.st_ctime_ns >= written - WINDOW_NS:
                    found = ""
            if not found:
                data = Path(path).read_bytes()
                found = content_id(data)
                self._hashed.add(path)
                self._hashed_bytes += len(data)
        # Unchanged since well before this run began (the system sets the change time on
        # every write, and nothing sets it back): any later change shows in its status.
        if status.st_ctime_ns < self._started_ns - WINDOW_NS:
            self._settled[path] = (seen, found)
        return found

    def settled(self, path: str) -> tuple[Fingerprint, str] | None:
        """The status to record with the id this run worked out from the file's bytes, and
        that id; None when the run did not hash it (its id came from a recorded status, or
        from git, whose word is good for one run only: it stops looking at a file it is told
        to skip), or the file had not settled."""
        return self._settled.get(path) if path in self._hashed else None

    def settle(self, path: str, seen: list[Any]) -> bool:
        """Put in ``seen`` - a record's [id, status, ...] - the status of a file this run
        hashed and found unchanged, now settled; whether the record changed."""
        settled = self.settled(path)
        if settled is None or settled[1] != seen[0] or seen[1] == settled[0]:
            return False
        seen[1] = settled[0]
        return True

    def vouched(self, path: str) -> bool:
        return os.path.abspath(path) in self._index()[0]


def fingerprint(path: str, now_ns: int, status: os.stat_result | None = None
                ) -> Fingerprint | None:
    """The status to record with a file's id; None when it changed too recently to tell a
    later change in the same tick. ``status``: the file's, just taken."""
    status = os.stat(path) if status is None else status
    return fingerprint_of(status) if status.st_ctime_ns < now_ns - WINDOW_NS else None


def _git(repository: Path, *arguments: str) -> bytes:
    done = subprocess.run(["git", "-C", str(repository), *arguments], capture_output=True,
                          check=True, timeout=60)
    return done.stdout


def _differing(repository: Path) -> set[bytes]:
    """Paths ``git status`` lists: changed in the work tree or the index, either side of a
    rename."""
    found: set[bytes] = set()
    entries = iter(_git(repository, "status", "--porcelain=v1", "-z", "--untracked-files=no")
                   .split(b"\0"))
    for entry in entries:
        if len(entry) > 3:
            found.add(entry[3:])
            if entry[:1] in (b"R", b"C"):  # the path it was renamed or copied from follows
                found.add(next(entries, b""))
    return found


def _clean_tracked(repository: Path) -> tuple[dict[str, str], int]:
    """Tracked files whose bytes git says are its index's, and when the index was written;
    none when git cannot answer (every file is then hashed: slower, never wrong)."""
    try:
        differing = _differing(repository)
        index = repository / os.fsdecode(_git(repository, "rev-parse", "--git-path", "index")
                                         .strip())
        written = os.stat(index).st_mtime_ns
        # -v: a tag first, lower-case for a file git is told to assume unchanged, S for one
        # it is told to skip (a sparse checkout): git has not looked at those, so it vouches
        # for neither.
        staged = _git(repository, "ls-files", "-v", "--stage", "-z")
    except (OSError, subprocess.SubprocessError):
        return {}, 0
    root = os.path.abspath(repository)
    found: dict[str, str] = {}
    for entry in staged.split(b"\0"):
        if not entry:
            continue
        info, _, name = entry.partition(b"\t")
        tag, mode, blob, stage = info.split(b" ")
        # Regular files at stage 0 only: not links, submodules, or a merge's conflict sides.
        if stage != b"0" or mode not in (b"100644", b"100755") or name in differing or \
                tag != b"H":
            continue
        found[os.path.join(root, os.fsdecode(name))] = blob.decode("ascii")
    return found, written

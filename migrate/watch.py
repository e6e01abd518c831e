"""``scan --watch``: scan, then scan again each time a file the scan reads is saved, until
ctrl-C. The scans run in this one process, so the interpreter, LibCST and the codemods load
once, and the result cache answers for every file the edit did not touch: an edited file is
reported back in a fraction of the time a new ``scan`` takes.

The operating system tells of changes (inotify, FSEvents, ReadDirectoryChangesW, through
watchfiles); nothing polls the tree."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TextIO

from migrate.runner.discover import gitignore_spec
from migrate.runner.results import EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE

if TYPE_CHECKING:  # watchfiles loads only when a watch starts
    from watchfiles import Change

__all__ = ["SETTLE_MS", "Relevant", "watch_scans"]

# Saves closer together than this are one edit: an editor writes a backup, then the file; a
# formatter run on save rewrites it again. Short enough that the report follows at once.
SETTLE_MS = 30
# What a scan reads besides the source files: its settings, what discovery leaves out, and
# the manifests it checks for the runtime dependency.
_SETTINGS = frozenset({"pyproject.toml", "setup.cfg", "Pipfile", ".gitignore",
                       "pyvenv.cfg"})  # a folder holding pyvenv.cfg is a virtualenv: skipped
_SHOWN = 3  # changed files named in one line; the rest are counted
# How often the watch wakes with nothing changed, to notice ctrl-C on every platform; also
# how long the first scan waits for the watch to start.
_WAKE_MS = 200


class Relevant:
    """Which changed paths under ``folder`` call for a new scan: Python sources, the files
    the run's include patterns name (gitignore-style, from the command line and the
    project's settings), the settings, ignore files and manifests a scan reads, and folders
    coming or going (their files may be written before the watch reaches them). Never the
    paths in ``ignore`` (the report the scan writes), anything inside .git but its exclude
    file (the result cache lives there), virtualenvs or caches, or what a symlink leads to
    outside the folder (the scan skips it too)."""

    def __init__(self, folder: Path, include: tuple[str, ...] = (),
                 ignore: frozenset[str] = frozenset()) -> None:
        from watchfiles import DefaultFilter

        self._default = DefaultFilter()
        self.watched = str(folder)  # the paths of changes start with it
        self._real = os.path.realpath(folder)
        self._ignore = frozenset(os.path.realpath(path) for path in ignore)
        self._exclude_file = os.path.join(self._real, ".git", "info", "exclude")
        self.include = include

    @property
    def include(self) -> tuple[str, ...]:
        return self._include

    @include.setter
    def include(self, patterns: tuple[str, ...]) -> None:
        self._include = patterns
        self._spec = gitignore_spec(patterns) if patterns else None

    def __call__(self, change: Change, path: str) -> bool:
        from watchfiles import Change

        real = os.path.realpath(path)
        if real in self._ignore:
            return False
        if real == self._exclude_file:
            return True
        inside = real == self._real or real.startswith(self._real.rstrip(os.sep) + os.sep)
        if not (inside and self._default(change, path)):
            return False
        name = os.path.basename(path)
        if name.endswith((".py", ".pyi")) or name in _SETTINGS or \
                (name.startswith("requirements") and name.endswith((".txt", ".in"))):
            return True
        if change != Change.modified and (os.path.isdir(path) or
                                          (change == Change.deleted and "." not in name)):
            return True  # a folder: a deleted one can only be told by its name
        relative = os.path.relpath(path, self.watched).replace(os.sep, "/")
        return self._spec is not None and self._spec.match_file(relative)


def _changes(relevant: Relevant) -> Iterator[set[tuple[Change, str]]]:
    """Batches of changes, and an empty batch every ``_WAKE_MS`` when nothing changed. The
    first batch comes once the watch has started: from then on no change is missed, those
    made while a scan runs included (they make the next batch)."""
    from watchfiles import watch

    # debounce: the longest a burst of changes (a checkout, a search and replace) is
    # gathered before the scan.
    yield from watch(relevant.watched, watch_filter=relevant, step=SETTLE_MS, debounce=1000,
                     rust_timeout=_WAKE_MS, yield_on_timeout=True, raise_interrupt=True)


_STOPPED = (EXIT_INTERRUPTED, EXIT_TERMINATED)  # ctrl-C or SIGTERM in a scan


def _named(paths: list[str]) -> str:
    shown = ", ".join(paths[:_SHOWN])
    return shown if len(paths) <= _SHOWN else f"{shown} and {len(paths) - _SHOWN} more"


def watch_scans(scan: Callable[[], int], folder: Path, err: TextIO,
                include: Callable[[], tuple[str, ...]] = tuple,
                ignore: frozenset[str] = frozenset()) -> int:
    """``scan`` once the watch has started, then after every batch of changes under
    ``folder``; the exit code of the first scan when it could not run (the command needs
    mending, not watching), else 0 at ctrl-C. ``include``: the run's include patterns as
    they are now (the project's settings may change them); ``ignore``: paths the scan
    writes."""
    relevant = Relevant(folder, include(), ignore)
    try:
        batches = _changes(relevant)
        next(batches)  # what changed before the first scan, it reads as it is
    except KeyboardInterrupt:
        return EXIT_OK
    except (OSError, RuntimeError) as exc:
        code = scan()  # a path that is not there: the scan says so the usual way
        if code != EXIT_USAGE:
            err.write(f"walmart-migrate: cannot watch {folder} ({exc}){_remedy(exc)}\n")
        return EXIT_USAGE
    try:
        code = scan()
        if code in (EXIT_USAGE, *_STOPPED):
            return EXIT_USAGE if code == EXIT_USAGE else EXIT_OK
        # What the first scan loaded (LibCST, the codemods, the summaries) stays for the
        # whole watch: set apart from what the collector looks at, so that each later
        # scan's collections walk only that scan's own objects.
        gc.collect()
        gc.freeze()
        _say_watching(folder, err)
        for batch in batches:
            if not batch:
                continue  # nothing changed: only a chance to notice ctrl-C
            changed = sorted({os.path.relpath(path, folder) for _, path in batch})
            err.write(f"walmart-migrate: {time.strftime('%H:%M:%S')} {_named(changed)} "
                      "changed; scanning again\n")
            # A scan that cannot run says why, and the next save may mend it; ctrl-C in a
            # scan ends the watch as it does between scans.
            if scan() in _STOPPED:
                return EXIT_OK
            relevant.include = include()
            _say_watching(folder, err)
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_OK
    except BrokenPipeError:  # the reader of the reports went away (`| head`): so does this
        _drop_stdout()
        return EXIT_OK
    except (OSError, RuntimeError) as exc:  # the folder went away, or the watch limit is hit
        err.write(f"walmart-migrate: cannot watch {folder} any more ({exc}){_remedy(exc)}; "
                  "stopped\n")
        return EXIT_USAGE


def _remedy(exc: BaseException) -> str:
    """What to do when the system's limit on watched folders is reached (a repository with
    node_modules or a virtualenv inside has many)."""
    if "limit" in str(exc).lower() or getattr(exc, "errno", None) == errno.ENOSPC:
        return ("; the system's limit on watched folders is reached: on Linux raise it with "
                "sysctl fs.inotify.max_user_watches=524288")
    return ""


def _drop_stdout() -> None:
    """Nothing more reaches the closed pipe, not even the flush at exit."""
    import sys

    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _say_watching(folder: Path, err: TextIO) -> None:
    err.write(f"walmart-migrate: watching {folder} for changes; ctrl-C stops\n")
    err.flush()

"""Writing a run's files as one transaction: all of them or none.

A half-migrated repository is worse than an unmigrated one (code reading a setting under its
new name from a module that still defines the old one), so every file is first made ready
beside itself: checked (still what the run read, writable), its new text in a temporary file,
fsynced, with the original's mode, and a hard link to the original kept as its backup. Only
when every file is ready are they renamed into place, one rename each, the report last. If a
rename, the report or ctrl-C stops the renames, every file already renamed is put back from
its backup. Temporary files and backups are removed either way; a backup stays only beside a
file that could not be put back, so that nothing is lost.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from migrate.runner.interrupt import HeldInterrupts

__all__ = ["Interrupted", "Planned", "ReportTarget", "WriteFailed", "write_all"]

SUFFIX = ".walmart-migrate"


@dataclass(frozen=True)
class Planned:
    path: Path
    display: str
    original: bytes  # what the run read: the file must still hold it
    new: bytes | None  # None: the file is removed


@dataclass(frozen=True)
class ReportTarget:
    path: Path
    data: bytes


class WriteFailed(Exception):
    """Nothing was written (but ``not_restored``): why, per file, or why the report failed."""

    def __init__(self, problems: dict[str, str], report_problem: str | None = None,
                 not_restored: list[str] | None = None) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()) or report_problem)
        self.problems = problems
        self.report_problem = report_problem
        self.not_restored = not_restored or []


class Interrupted(Exception):
    """ctrl-C during the writes: ``put_back`` were rewritten and restored, ``not_restored``
    are rewritten still (their backups are kept beside them)."""

    def __init__(self, put_back: list[str], not_restored: list[str]) -> None:
        super().__init__("interrupted")
        self.put_back = put_back
        self.not_restored = not_restored


class _Refused(Exception):
    pass


@dataclass
class _Step:
    target: Path
    display: str
    temporary: Path | None = None  # the new text, ready to be renamed over the target
    backup: Path | None = None  # the original (a hard link, or a copy where links fail)
    started: bool = False  # its rename may have happened: roll it back
    is_report: bool = False

    def commit(self) -> None:
        if self.temporary is not None:
            os.replace(self.temporary, self.target)
        else:  # the file is removed
            self.target.unlink()

    def roll_back(self) -> None:
        if self.backup is not None:
            # Both names may still be one file (the rename never happened): then rename does
            # nothing, and the backup is removed in cleanup.
            os.replace(self.backup, self.target)
        else:  # a report that did not exist before
            self.target.unlink(missing_ok=True)

    def cleanup(self, keep_backup: bool = False) -> None:
        for leftover in (self.temporary, None if keep_backup else self.backup):
            if leftover is not None:
                with contextlib.suppress(OSError):
                    leftover.unlink()


def _sibling(path: Path, kind: str) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.{kind}{SUFFIX}")


def _write_new(path: Path, data: bytes, mode: int | None) -> None:
    """Create ``path`` (it must not exist) with ``data``, on disk before it returns; with
    ``mode``, or else as any new file (the umask decides)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if mode is not None else 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if mode is not None:
        os.chmod(path, mode)


def _keep_original(step: _Step, info: os.stat_result, original: bytes) -> None:
    backup = _sibling(step.target, "backup")
    try:
        os.link(step.target, backup)
    except OSError:  # no hard links on this file system: a copy does
        _write_new(backup, original, stat.S_IMODE(info.st_mode))
    step.backup = backup
    # Linked after it was read: an editor's save in between would be lost on a roll-back.
    if backup.read_bytes() != original:
        raise _Refused("changed while the run was in flight; run again")


def _prepare(planned: Planned) -> _Step:
    step = _Step(planned.path, planned.display)
    try:
        info = planned.path.stat()
        current = planned.path.read_bytes()
    except OSError as exc:
        raise _Refused(f"cannot read it again before writing: {exc.strerror}") from None
    if not info.st_mode & stat.S_IWUSR:
        raise _Refused("read-only file; make it writable (chmod u+w) and run again")
    if current != planned.original:
        raise _Refused("changed while the run was in flight; run again")
    try:
        _keep_original(step, info, planned.original)
        if planned.new is not None:
            step.temporary = _sibling(planned.path, "new")
            _write_new(step.temporary, planned.new, stat.S_IMODE(info.st_mode))
            with contextlib.suppress(PermissionError):
                os.chown(step.temporary, info.st_uid, info.st_gid)
    except _Refused:
        step.cleanup()
        raise
    except OSError as exc:
        step.cleanup()
        raise _Refused(f"cannot write beside it: {exc.strerror}") from None
    return step


def _prepare_report(report: ReportTarget) -> _Step | None:
    """A regular report file is renamed into place like the others; a device or a pipe
    (``/dev/stdout``, ``>(jq .)``) is written last, directly: None."""
    try:
        info: os.stat_result | None = report.path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise WriteFailed({}, report_problem=exc.strerror or str(exc)) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        return None
    target = report.path.resolve()  # through a symlink, as writing it in place would
    step = _Step(target, str(report.path), is_report=True)
    try:
        if info is not None:
            step.backup = _sibling(target, "backup")
            try:
                os.link(target, step.backup)
            except OSError:  # no hard links on this file system: a copy does
                _write_new(step.backup, target.read_bytes(), stat.S_IMODE(info.st_mode))
        step.temporary = _sibling(target, "new")
        _write_new(step.temporary, report.data, None if info is None else stat.S_IMODE(info.st_mode))
    except OSError as exc:
        step.cleanup()
        raise WriteFailed({}, report_problem=exc.strerror or str(exc)) from None
    return step


def _write_device(report: ReportTarget) -> None:
    with open(report.path, "wb") as handle:  # a pipe with no reader blocks here: ctrl-C works
        handle.write(report.data)


@dataclass
class _Transaction:
    steps: list[_Step] = field(default_factory=list)

    def roll_back(self) -> tuple[list[str], list[str]]:
        """(put back, could not be put back), by display path."""
        put_back: list[str] = []
        stuck: list[str] = []
        for step in reversed(self.steps):
            if not step.started:
                step.cleanup()
                continue
            try:
                step.roll_back()
            except OSError:
                stuck.append(step.display)
                step.cleanup(keep_backup=True)
                continue
            step.cleanup()
            if not step.is_report:
                put_back.append(step.display)
        return put_back, stuck


def write_all(files: list[Planned], report: ReportTarget | None = None) -> None:
    """Write every file and the report, or none of them; raises ``WriteFailed`` or
    ``Interrupted`` (nothing written, but what the exception lists as not restored)."""
    transaction = _Transaction()
    with HeldInterrupts() as held:
        try:
            device = _prepare_all(transaction, files, report)
            held.check()
            for step in transaction.steps:
                step.started = True  # first: rolling back a rename that did not happen is harmless
                try:
                    step.commit()
                except OSError as exc:
                    reason = exc.strerror or str(exc)
                    if step.is_report:
                        raise WriteFailed({}, report_problem=reason) from None
                    raise WriteFailed({step.display: f"cannot rename the new text into place: "
                                                     f"{reason}; run again"}) from None
                held.check()
            if device is not None:
                with held.released():
                    try:
                        _write_device(device)
                    except OSError as exc:
                        raise WriteFailed({}, report_problem=exc.strerror or str(exc)) from None
        except KeyboardInterrupt:
            put_back, stuck = transaction.roll_back()
            raise Interrupted(put_back, stuck) from None
        except WriteFailed as exc:
            _, exc.not_restored = transaction.roll_back()
            raise
    for step in transaction.steps:
        step.cleanup()


def _prepare_all(transaction: _Transaction, files: list[Planned],
                 report: ReportTarget | None) -> ReportTarget | None:
    """Every file ready beside itself, then the report; the report when it is a device or a
    pipe, written last and directly."""
    problems: dict[str, str] = {}
    for planned in files:
        try:
            transaction.steps.append(_prepare(planned))
        except _Refused as exc:
            problems[planned.display] = str(exc)  # every problem at once, not the first only
    if problems:
        raise WriteFailed(problems)
    if report is None:
        return None
    prepared = _prepare_report(report)
    if prepared is None:
        return report
    transaction.steps.append(prepared)
    return None

"""``scan`` and ``apply``: run the codemods over a repository and report, as the command
line contract says. Returns exit codes; click stays in cli.py."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, TextIO

from codemods.registry import load_codemods
from migrate.runner import consistency
from migrate.runner.diff import coloured, unified_diff
from migrate.runner.interrupt import Termination
from migrate.runner.report import json_report, report_path_problem, text_report
from migrate.runner.results import (
    EXIT_CHANGES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
)
from migrate.runner.run import (
    Run,
    RunError,
    RunRequest,
    exit_code,
    include_patterns,
    run,
    watched_folder,
)
from migrate.runner.sarif import sarif_report
from migrate.runner.write import Interrupted

__all__ = ["Output", "apply_command", "next_step", "scan_command", "watch_command"]


def _descriptions(codemods: tuple[str, ...]) -> dict[str, str]:
    return {consistency.CODEMOD: consistency.DESCRIPTION,
            **{c.NAME: c.DESCRIPTION for c in load_codemods(codemods)}}


@dataclass(frozen=True)
class Output:
    """How the text report and the diff look: ``verbosity`` -1 (-q), 0 or 1 (-v); diffs in
    colour only when asked, or on a terminal where NO_COLOR is unset (see ``colour``)."""

    verbosity: int = 0
    color: bool = False
    exit_zero: bool = False  # for an upload step: the report is the result, not the code


def _render(outcome: Run, fmt: str, command: str, request: RunRequest, output: Output) -> str:
    result = outcome.result
    if fmt == "json":
        return json_report(result)
    if fmt == "sarif":
        return sarif_report(result, _descriptions(request.codemods))
    return text_report(result, command, request.write, next_step(outcome, request),
                       output.verbosity)


def next_step(outcome: Run, request: RunRequest) -> str | None:
    """The command that does what the report says is left to do, as the seller types it: over
    the folders given, or - given files, as pre-commit gives every staged one - over the
    files that would change."""
    result = outcome.result
    if result.changed and not request.write:
        target = f" --target {request.target}" if request.target else ""
        named = request.paths if any(p.is_dir() for p in request.paths) else \
            [os.path.relpath(outcome.base / r.path) for r in result.changed]
        return f"run: walmart-migrate apply{target} {' '.join(shlex.quote(str(p)) for p in named)}"
    if result.changed and any(r.written for r in result.changed):
        return "next: review the changes (git diff), run your tests, then commit"
    if any(f.action == "manual" for r in result.files for f in r.findings):
        return ("next: migrate the sites left for a person by hand; walmart-migrate apply "
                "--mark-manual marks each one in the code")
    return None


def _execute(request: RunRequest, err: TextIO) -> Run | int:
    """The run, or the exit code that ends the command."""
    if request.report is not None:
        problem = report_path_problem(request.report)
        if problem:
            err.write(f"walmart-migrate: --report {request.report}: {problem}\n")
            return EXIT_USAGE
    with Termination() as termination:
        try:  # the commands print reports; only a diff or a write needs the rewritten text
            outcome = run(replace(request, findings_only=not (request.write or request.diff)))
        except RunError as exc:
            err.write(f"walmart-migrate: {exc}\n")
            return EXIT_USAGE
        except (Interrupted, KeyboardInterrupt) as exc:
            how = "terminated (SIGTERM)" if termination.received else "interrupted"
            said = _interrupted(exc, how) if isinstance(exc, Interrupted) else \
                f"{how} before anything was written"
            err.write(f"walmart-migrate: {said}\n")
            return EXIT_TERMINATED if termination.received else EXIT_INTERRUPTED
    for warning in outcome.warnings:
        err.write(f"walmart-migrate: warning: {warning}\n")
    for failed in outcome.result.files:
        if failed.status == "failed":
            err.write(f"walmart-migrate: {failed.path}: {failed.reason}\n")
    return outcome


def _interrupted(exc: Interrupted, how: str) -> str:
    if exc.not_restored:
        return (f"{how}; these files are rewritten and could not be put back: "
                f"{', '.join(exc.not_restored)} (each original is kept beside it as "
                ".NAME.*.backup.walmart-migrate)")
    if exc.put_back:
        return (f"{how}; the {len(exc.put_back)} file(s) already rewritten were put back "
                f"as they were ({', '.join(exc.put_back)}); nothing was written")
    return f"{how}; nothing was written"


def _write_report(outcome: Run, report: Path | None, err: TextIO) -> bool:
    if report is None or outcome.report_written:
        return True
    try:
        report.write_text(json_report(outcome.result), encoding="utf-8")
    except OSError as exc:
        err.write(f"walmart-migrate: cannot write the report to {report}: {exc.strerror}\n")
        return False
    return True


def scan_command(request: RunRequest, fmt: str, report: Path | None, out: TextIO,
                 err: TextIO, output: Output = Output()) -> int:
    outcome = _execute(replace(request, report=report), err)
    if isinstance(outcome, int):
        return outcome
    result = outcome.result
    out.write(_render(outcome, fmt, "scan", request, output))
    if not _write_report(outcome, report, err):
        return EXIT_USAGE
    code = exit_code(result, "scan", check=False)
    return EXIT_OK if output.exit_zero and code == EXIT_CHANGES else code


def watch_command(request: RunRequest, fmt: str, report: Path | None, out: TextIO,
                  err: TextIO, output: Output = Output()) -> int:
    """``scan``, then again after every save (``migrate.watch``), each report whole on stdout
    as soon as it is made."""
    from migrate.runner import tasks
    from migrate.watch import watch_scans

    # Loaded once here: every scan after a save then parses in this process, as soon as it
    # starts, instead of in workers that would each load the analysis again.
    tasks.load()

    def scan() -> int:
        code = scan_command(request, fmt, report, out, err, output)
        out.flush()
        err.flush()
        return code

    try:
        folder = watched_folder(request.paths)
    except RunError as exc:
        err.write(f"walmart-migrate: {exc}\n")
        return EXIT_USAGE

    def include() -> tuple[str, ...]:
        try:
            return include_patterns(request, folder)
        except RunError:  # the project's settings cannot be read: the scan says why
            return request.include

    written = {os.path.abspath(report)} if report is not None else set()
    with Termination():  # SIGTERM ends the watch as ctrl-C does
        return watch_scans(scan, folder, err, include, frozenset(written))


def apply_command(request: RunRequest, fmt: str, report: Path | None, diff: bool, check: bool,
                  out: TextIO, err: TextIO, out_bytes: BinaryIO | None = None,
                  output: Output = Output()) -> int:
    if diff and fmt != "text":
        err.write("walmart-migrate: --diff prints the diff on stdout; use --report FILE for "
                  f"the {fmt} report\n")
        return EXIT_USAGE
    # A diff prints rewritten text: never answered from the cache, which holds none.
    outcome = _execute(replace(request, report=report, diff=diff), err)
    if isinstance(outcome, int):
        return outcome
    result = outcome.result
    if diff:
        sink = out_bytes or sys.stdout.buffer
        out.flush()
        for changed in result.changed:
            assert changed.original is not None and changed.new is not None
            mode = _mode(request, changed.path) if changed.deleted else None
            patch = unified_diff(changed.path, changed.original, changed.new, mode)
            sink.write(coloured(patch) if output.color else patch)
        sink.flush()
        err.write(_render(outcome, fmt, "apply --diff", request, output))
    else:
        out.write(_render(outcome, fmt, "apply --check" if check else "apply", request, output))
    if not _write_report(outcome, report, err):
        return EXIT_USAGE
    return exit_code(result, "apply", check=check or diff)


def _mode(request: RunRequest, path: str) -> str:
    """The git file mode of a file the diff deletes (executable or not)."""
    import os
    import stat

    for base in request.paths:
        candidate = (base if base.is_dir() else base.parent) / path
        with contextlib.suppress(OSError):
            return "100755" if os.stat(candidate).st_mode & stat.S_IXUSR else "100644"
    return "100644"

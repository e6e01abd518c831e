"""``scan`` and ``apply``: run the codemods over a repository and report, as the command
line contract says. Returns exit codes; click stays in cli.py."""

from __future__ import annotations

import contextlib
import sys
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, TextIO

from codemods.registry import load_codemods
from migrate.runner import consistency
from migrate.runner.diff import unified_diff
from migrate.runner.report import json_report, report_path_problem, text_report
from migrate.runner.results import EXIT_INTERRUPTED, EXIT_USAGE, RunResult
from migrate.runner.run import Run, RunError, RunRequest, exit_code, run
from migrate.runner.sarif import sarif_report
from migrate.runner.write import Interrupted

__all__ = ["apply_command", "scan_command"]


def _descriptions(codemods: tuple[str, ...]) -> dict[str, str]:
    return {consistency.CODEMOD: consistency.DESCRIPTION,
            **{c.NAME: c.DESCRIPTION for c in load_codemods(codemods)}}


def _render(result: RunResult, fmt: str, command: str, wrote: bool,
            codemods: tuple[str, ...]) -> str:
    if fmt == "json":
        return json_report(result)
    if fmt == "sarif":
        return sarif_report(result, _descriptions(codemods))
    return text_report(result, command, wrote)


def _execute(request: RunRequest, err: TextIO) -> Run | int:
    """The run, or the exit code that ends the command."""
    if request.report is not None:
        problem = report_path_problem(request.report)
        if problem:
            err.write(f"walmart-migrate: --report {request.report}: {problem}\n")
            return EXIT_USAGE
    try:  # the commands print reports; only a diff or a write needs the rewritten text
        outcome = run(replace(request, findings_only=not (request.write or request.diff)))
    except RunError as exc:
        err.write(f"walmart-migrate: {exc}\n")
        return EXIT_USAGE
    except Interrupted as exc:
        err.write(f"walmart-migrate: {_interrupted(exc)}\n")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        err.write("walmart-migrate: interrupted before anything was written\n")
        return EXIT_INTERRUPTED
    for warning in outcome.warnings:
        err.write(f"walmart-migrate: warning: {warning}\n")
    for failed in outcome.result.files:
        if failed.status == "failed":
            err.write(f"walmart-migrate: {failed.path}: {failed.reason}\n")
    return outcome


def _interrupted(exc: Interrupted) -> str:
    if exc.not_restored:
        return ("interrupted; these files are rewritten and could not be put back: "
                f"{', '.join(exc.not_restored)} (each original is kept beside it as "
                ".NAME.*.backup.walmart-migrate)")
    if exc.put_back:
        return (f"interrupted; the {len(exc.put_back)} file(s) already rewritten were put back "
                f"as they were ({', '.join(exc.put_back)}); nothing was written")
    return "interrupted; nothing was written"


def _write_report(outcome: Run, report: Path | None, err: TextIO) -> bool:
    if report is None or outcome.report_written:
        return True
    try:
        report.write_text(json_report(outcome.result), encoding="utf-8")
    except OSError as exc:
        err.write(f"walmart-migrate: cannot write the report to {report}: {exc.strerror}\n")
        return False
    return True


def scan_command(request: RunRequest, fmt: str, report: Path | None,
                 out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    outcome = _execute(replace(request, report=report), err)
    if isinstance(outcome, int):
        return outcome
    result = outcome.result
    out.write(_render(result, fmt, "scan", False, request.codemods))
    if not _write_report(outcome, report, err):
        return EXIT_USAGE
    return exit_code(result, "scan", check=False)


def apply_command(request: RunRequest, fmt: str, report: Path | None, diff: bool, check: bool,
                  out: TextIO = sys.stdout, err: TextIO = sys.stderr,
                  out_bytes: BinaryIO | None = None) -> int:
    if diff and fmt != "text":
        err.write("walmart-migrate: --diff prints the diff on stdout; use --report FILE for "
                  f"the {fmt} report\n")
        return EXIT_USAGE
    # A diff prints rewritten text: never answered from the cache, which holds none.
    outcome = _execute(replace(request, report=report, diff=diff), err)
    if isinstance(outcome, int):
        return outcome
    result = outcome.result
    wrote = request.write
    if diff:
        sink = out_bytes or sys.stdout.buffer
        out.flush()
        for changed in result.changed:
            assert changed.original is not None and changed.new is not None
            mode = _mode(request, changed.path) if changed.deleted else None
            sink.write(unified_diff(changed.path, changed.original, changed.new, mode))
        sink.flush()
        err.write(text_report(result, "apply --diff", wrote))
    else:
        out.write(_render(result, fmt, "apply --check" if check else "apply", wrote,
                          request.codemods))
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

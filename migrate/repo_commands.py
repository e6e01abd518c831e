"""``scan`` and ``apply``: run the codemods over a repository and report, as the command
line contract says. Returns exit codes; click stays in cli.py."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import BinaryIO, TextIO

from codemods.registry import load_codemods
from migrate.runner.diff import unified_diff
from migrate.runner.report import json_report, text_report
from migrate.runner.results import EXIT_USAGE, RunResult
from migrate.runner.run import RunError, RunRequest, exit_code, run
from migrate.runner.sarif import sarif_report

__all__ = ["apply_command", "scan_command"]


def _descriptions(codemods: tuple[str, ...]) -> dict[str, str]:
    return {c.NAME: c.DESCRIPTION for c in load_codemods(codemods)}


def _render(result: RunResult, fmt: str, command: str, wrote: bool,
            codemods: tuple[str, ...]) -> str:
    if fmt == "json":
        return json_report(result)
    if fmt == "sarif":
        return sarif_report(result, _descriptions(codemods))
    return text_report(result, command, wrote)


def _execute(request: RunRequest, err: TextIO) -> RunResult | None:
    try:
        outcome = run(request)
    except RunError as exc:
        err.write(f"walmart-migrate: {exc}\n")
        return None
    for warning in outcome.warnings:
        err.write(f"walmart-migrate: warning: {warning}\n")
    for failed in outcome.result.files:
        if failed.status == "failed":
            err.write(f"walmart-migrate: {failed.path}: {failed.reason}\n")
    return outcome.result


def _write_report(result: RunResult, report: Path | None, err: TextIO) -> bool:
    if report is None:
        return True
    try:
        report.write_text(json_report(result), encoding="utf-8")
    except OSError as exc:
        err.write(f"walmart-migrate: cannot write the report to {report}: {exc.strerror}\n")
        return False
    return True


def scan_command(request: RunRequest, fmt: str, report: Path | None,
                 out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    result = _execute(request, err)
    if result is None:
        return EXIT_USAGE
    out.write(_render(result, fmt, "scan", False, request.codemods))
    if not _write_report(result, report, err):
        return EXIT_USAGE
    return exit_code(result, "scan", check=False)


def apply_command(request: RunRequest, fmt: str, report: Path | None, diff: bool, check: bool,
                  out: TextIO = sys.stdout, err: TextIO = sys.stderr,
                  out_bytes: BinaryIO | None = None) -> int:
    if diff and fmt != "text":
        err.write("walmart-migrate: --diff prints the diff on stdout; use --report FILE for "
                  f"the {fmt} report\n")
        return EXIT_USAGE
    result = _execute(request, err)
    if result is None:
        return EXIT_USAGE
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
    if not _write_report(result, report, err):
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

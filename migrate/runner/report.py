"""The run's results as text for a person, JSON for scripts (the schema in the design)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from migrate.runner.results import RunResult

__all__ = ["json_report", "report_path_problem", "text_report"]


def report_path_problem(path: Path) -> str | None:
    """Why the report could not be written there, found before any work: a run that would
    rewrite files and then fail on its report must not start."""
    try:
        info: os.stat_result | None = path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        return f"cannot use it: {exc.strerror}"
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            return "it is a folder; name a file"
        return None if os.access(path, os.W_OK) else "not writable; choose another file"
    folder = path.absolute().parent
    if not folder.exists():
        return f"folder {folder} does not exist; create it or choose another path"
    if not folder.is_dir():
        return f"{folder} is not a folder; choose another path"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot create files in {folder}; choose another path"
    return None


def json_report(result: RunResult) -> str:
    return json.dumps(result.to_json(), indent=2) + "\n"


def _counts(counts: dict[str, int]) -> str:
    shown = [f"{name} {count}" for name, count in counts.items() if count]
    return ", ".join(shown) if shown else "none"


def text_report(result: RunResult, command: str, wrote: bool) -> str:
    counts = result.counts()
    verb = "changed" if wrote else "would change"
    lines = [
        f"walmart-migrate {command}: {result.scanned} file(s) scanned, "
        f"{len(result.files)} with Walmart signing markers",
        f"  files: {verb} {counts['changed']}, unchanged {counts['unchanged']}, "
        f"skipped {counts['skipped']}, failed {counts['failed']}",
        f"  schemes: {_counts(result.scheme_counts())}",
        f"  findings: {_counts(result.action_counts())}",
    ]
    manual = [(r.path, f) for r in result.files for f in r.findings if f.action == "manual"]
    if manual:
        lines += ["", "Left for a person:"]
        lines += [f"  {path}:{f.line}:{f.column}  {f.scheme}  {f.message}" for path, f in manual]
    ignored = [(r.path, f) for r in result.files for f in r.findings if f.action == "ignored"]
    if ignored:
        lines += ["", "Not migrated, on purpose:"]
        lines += [f"  {path}:{f.line}:{f.column}  {f.scheme}  {f.message}" for path, f in ignored]
    if result.environment:
        lines += ["", "Environment variables now read under new names (set them in every deployment):"]
        lines += [f"  {old} -> {new}" for old, new in sorted(result.environment.items())]
    config = [(r.path, f) for r in result.files for f in r.findings if f.codemod == "config"]
    if config:
        lines += ["", "Configuration files now read under new keys (put the new credentials there):"]
        lines += [f"  {path}:{f.line}:{f.column}  {f.message}" for path, f in config]
    if result.kept_names:
        lines += ["", "Names kept as they were (they now hold the OAuth credential named):"]
        lines += [f"  {name}: {role}" for name, role in sorted(result.kept_names.items())]
    troubled = [r for r in result.files if r.status in ("skipped", "failed")]
    if troubled:
        lines += ["", "Not processed:"]
        lines += [f"  {r.path}: {r.status}: {r.reason}" for r in troubled]
    return "\n".join(lines) + "\n"

"""The run's results as text for a person, JSON for scripts (the schema in the design)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from codemods.findings import Finding
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


def _findings(result: RunResult, wrote: bool) -> str:
    """Findings by what happens to them, in the mode's own words: a scan rewrites nothing."""
    words = {"rewritten": "rewritten" if wrote else "would rewrite", "manual": "left for a person",
             "ignored": "not migrated on purpose"}
    counts = dict.fromkeys([*words.values(), "already on OAuth"], 0)
    for _, finding in _sites(result):
        counts["already on OAuth" if finding.scheme == "oauth" else words[finding.action]] += 1
    return _counts(counts)


def _sites(result: RunResult) -> list[tuple[str, Finding]]:
    return [(r.path, f) for r in result.files for f in r.findings]


def _changes(result: RunResult, wrote: bool, verbose: bool) -> list[str]:
    """One line per site that changes, then per file that changes with no site of its own."""
    rewrite, delete = ("rewrote", "deleted") if wrote else ("would rewrite", "would delete")
    lines: list[str] = []
    for changed in sorted(result.changed, key=lambda r: r.path):
        if changed.deleted:
            why = changed.reason.removesuffix(": removed") or "nothing is left in it"
            lines.append(f"  {delete} {changed.path} ({why})")
            continue
        sites = [f for f in changed.findings if f.action == "rewritten"]
        for f in sites:
            lines.append(f"  {rewrite} {changed.path}:{f.line} ({f.codemod})")
            lines += [f"      - {step}" for step in f.chain if verbose]
        if not sites:  # a manifest says why it changes; a Python file follows its sites
            why = changed.reason or "follows the rewrite: credential names, imports, helpers left unused"
            lines.append(f"  {rewrite} {changed.path} ({why})")
    return lines


def _site(path: str, finding: Finding, verbose: bool) -> list[str]:
    lines = [f"  {path}:{finding.line}:{finding.column}  {finding.scheme}  {finding.message}"]
    if verbose:
        lines += [f"      - {step}" for step in finding.chain]
    return lines


def text_report(result: RunResult, command: str, wrote: bool, next_step: str | None = None,
                verbosity: int = 0) -> str:
    """``verbosity`` -1 lists only what changes and what needs a person; 1 adds how each
    finding was classified and the files already on OAuth. ``next_step`` ends the report."""
    counts = result.counts()
    verb = "changed" if wrote else "would change"
    verbose = verbosity > 0
    lines: list[str] = []
    if verbosity >= 0:
        lines += [
            f"walmart-migrate {command}: {result.scanned} file(s) scanned, "
            f"{sum(not r.manifest for r in result.files)} with Walmart signing markers",
            f"  files: {verb} {counts['changed']}, unchanged {counts['unchanged']}, "
            f"skipped {counts['skipped']}, failed {counts['failed']}",
            f"  schemes: {_counts(result.scheme_counts())}",
            f"  findings: {_findings(result, wrote)}",
        ]
    changes = _changes(result, wrote, verbose)
    if changes:
        lines += ["", "Rewritten:" if wrote else "Would change:", *changes]
    manual = [(path, f) for path, f in _sites(result) if f.action == "manual"]
    if manual:
        lines += ["", "Left for a person:"]
        lines += [line for path, f in manual for line in _site(path, f, verbose)]
    # Code already on OAuth is correct: a count in the summary, listed only when asked.
    ignored = [(path, f) for path, f in _sites(result)
               if f.action == "ignored" and f.scheme != "oauth"]
    if ignored and verbosity >= 0:
        lines += ["", "Not migrated, on purpose:"]
        lines += [line for path, f in ignored for line in _site(path, f, verbose)]
    on_oauth = [(path, f) for path, f in _sites(result) if f.scheme == "oauth"]
    if on_oauth and verbose:
        lines += ["", "Already on OAuth:"]
        lines += [line for path, f in on_oauth for line in _site(path, f, verbose)]
    if result.environment:
        lines += ["", "Environment variables now read under new names (set them in every deployment):"]
        lines += [f"  {old} -> {new}" for old, new in sorted(result.environment.items())]
    config = [(path, f) for path, f in _sites(result) if f.codemod == "config"]
    if config and verbosity >= 0:
        lines += ["", "Configuration files now read under new keys (put the new credentials there):"]
        lines += [f"  {path}:{f.line}:{f.column}  {f.message}" for path, f in config]
    if result.kept_names and verbosity >= 0:
        lines += ["", "Names kept as they were (they now hold the OAuth credential named):"]
        lines += [f"  {name}: {role}" for name, role in sorted(result.kept_names.items())]
    troubled = [r for r in result.files if r.status in ("skipped", "failed")]
    if troubled:
        lines += ["", "Not processed:"]
        lines += [f"  {r.path}: {r.status}: {r.reason}" for r in troubled]
    if next_step:
        lines += ["", next_step]
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines) + "\n" if lines else ""

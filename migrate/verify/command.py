"""``walmart-migrate verify``: the rules over cassettes (and, with ``--before``, the legacy
cassettes against the migrated ones), as text, JSON or SARIF. Returns the exit code."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from migrate import __version__
from migrate.verify.cassette import Cassette, CassetteError, load_cassette
from migrate.verify.compare import compare_cassettes, pair_cassettes
from migrate.verify.hosts import DEFAULT_HOSTS
from migrate.verify.rules import RULES, VerifyContext, Violation, check_cassette

__all__ = ["VerifyRequest", "verify"]

SUFFIXES = (".yaml", ".yml", ".json")
SECRET_VARIABLES = ("WALMART_CLIENT_SECRET", "WALMART_PRIVATE_KEY")
BEFORE_AFTER = ("before-after", "The migrated cassette makes the same calls as the legacy one, "
                                "with only the auth headers changed.")


@dataclass(frozen=True)
class VerifyRequest:
    paths: tuple[Path, ...]
    before: Path | None = None
    only: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()


@dataclass
class Outcome:
    cassettes: list[tuple[Cassette, list[Violation]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[Violation]:
        return [v for _, found in self.cassettes for v in found]


def cassette_files(paths: tuple[Path, ...]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(f"{path}: no such file or folder")
    return files, missing


def run_verify(request: VerifyRequest) -> Outcome:
    known = tuple(os.environ[v] for v in SECRET_VARIABLES if os.environ.get(v)) + request.secrets
    context = VerifyContext(hosts=DEFAULT_HOSTS | frozenset(request.hosts), secrets=known)
    files, missing = cassette_files(request.paths)
    outcome = Outcome(errors=list(missing))
    loaded: dict[Path, Cassette] = {}
    for path in files:
        try:
            loaded[path] = load_cassette(path)
        except CassetteError as exc:
            outcome.errors.append(str(exc))
        except (MemoryError, RecursionError, OverflowError) as exc:
            outcome.errors.append(f"{path}: could not be read ({type(exc).__name__}); is it "
                                  "really a VCR.py cassette?")
    pairs = dict((after, before) for before, after in pair_cassettes(request.before, list(loaded))) \
        if request.before is not None else {}
    for path, cassette in loaded.items():
        try:
            found = _check(cassette, request, context, pairs.get(path), outcome)
        except Exception as exc:  # one odd cassette must not stop the run
            # Only the exception's type: its message may quote a body, and bodies hold secrets.
            outcome.errors.append(f"{path}: could not be verified ({type(exc).__name__} in "
                                  "the checks); please report it with the cassette, scrubbed")
            continue
        outcome.cassettes.append((cassette, found))
    return outcome


def _check(cassette: Cassette, request: VerifyRequest, context: VerifyContext,
           legacy_path: Path | None, outcome: Outcome) -> list[Violation]:
    found = check_cassette(cassette, context, request.only)
    if request.before is not None and (not request.only or "before-after" in request.only):
        if legacy_path is None:
            found.append(Violation("before-after", cassette.path, None, "", "",
                                   f"expected a legacy cassette named {cassette.path.name} in "
                                   f"{request.before}; there is none"))
        else:
            try:
                found.extend(compare_cassettes(load_cassette(legacy_path), cassette))
            except CassetteError as exc:
                outcome.errors.append(str(exc))
    return found


def _json(outcome: Outcome) -> str:
    by_rule: dict[str, int] = {}
    for violation in outcome.violations:
        by_rule[violation.rule] = by_rule.get(violation.rule, 0) + 1
    return json.dumps({
        "version": 1,
        "summary": {"cassettes": len(outcome.cassettes),
                    "interactions": sum(len(c.interactions) for c, _ in outcome.cassettes),
                    "violations": len(outcome.violations), "by_rule": by_rule,
                    "errors": outcome.errors},
        "cassettes": [{"path": str(c.path), "interactions": len(c.interactions),
                       "violations": [{"rule": v.rule, "interaction": v.index, "method": v.method,
                                       "uri": v.uri, "message": v.message} for v in found]}
                      for c, found in outcome.cassettes],
    }, indent=2) + "\n"


def _sarif(outcome: Outcome) -> str:
    rules = [(r.id, r.description) for r in RULES] + [BEFORE_AFTER]
    index = {rule: i for i, (rule, _) in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for cassette, found in outcome.cassettes:
        for v in found:
            line = cassette.line_of(v.index) if v.index is not None else 1
            results.append({
                "ruleId": v.rule, "ruleIndex": index[v.rule], "level": "error",
                "message": {"text": v.text()},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": cassette.path.as_posix(), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": line}}}]})
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "walmart-migrate verify", "version": __version__,
                            "rules": [{"id": r, "name": r, "shortDescription": {"text": d},
                                       "defaultConfiguration": {"level": "error"}}
                                      for r, d in rules]}},
        "results": results,
    }
    if outcome.errors:
        run["invocations"] = [{"executionSuccessful": False, "toolExecutionNotifications": [
            {"level": "error", "message": {"text": e}} for e in outcome.errors]}]
    return json.dumps({"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
                       "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _text(outcome: Outcome) -> str:
    lines = [v.text() for v in outcome.violations]
    interactions = sum(len(c.interactions) for c, _ in outcome.cassettes)
    verdict = "ok" if not outcome.violations and not outcome.errors else "FAILED"
    lines.append(f"walmart-migrate verify: {len(outcome.cassettes)} cassette(s), {interactions} "
                 f"interaction(s), {len(outcome.violations)} violation(s): {verdict}")
    return "\n".join(lines) + "\n"


def verify(request: VerifyRequest, fmt: str = "text", report: Path | None = None,
           out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    unknown = set(request.only) - {r.id for r in RULES} - {"before-after"}
    if unknown:
        err.write(f"walmart-migrate: unknown rule(s) {', '.join(sorted(unknown))}; see "
                  "walmart-migrate list\n")
        return 2
    if request.before is not None and not request.before.is_dir():
        err.write(f"walmart-migrate: {request.before}: --before needs a folder of cassettes\n")
        return 2
    outcome = run_verify(request)
    for error in outcome.errors:
        err.write(f"walmart-migrate: {error}\n")
    out.write({"json": _json, "sarif": _sarif}.get(fmt, _text)(outcome))
    if report is not None:
        report.write_text(_json(outcome), encoding="utf-8")
    if not outcome.cassettes and not outcome.errors:
        err.write("walmart-migrate: no cassettes found (.yaml, .yml, .json)\n")
        return 2
    return 1 if outcome.violations or outcome.errors else 0

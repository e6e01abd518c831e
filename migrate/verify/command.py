"""``walmart-migrate verify``: the rules over cassettes (and, with ``--before``, the legacy
cassettes against the migrated ones), as text, JSON or SARIF. Returns the exit code."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from migrate.verify.cassette import Cassette, CassetteError, load_cassette
from migrate.verify.compare import compare_cassettes, pair_cassettes
from migrate.verify.hosts import DEFAULT_HOSTS
from migrate.verify.rules import RULES, VerifyContext, Violation, check_cassette
from migrate.verify.sarif import sarif_report

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
    # pre-commit hands over every staged YAML/JSON file: those that are not cassettes by
    # their content (a workflow, package.json) are skipped without a word.
    cassettes_only: bool = False
    exit_zero: bool = False  # for an upload step: the report is the result, not the code


@dataclass
class Outcome:
    cassettes: list[tuple[Cassette, list[Violation]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[Violation]:
        return [v for _, found in self.cassettes for v in found]


# A cassette's own key, at the top of a YAML mapping or as a JSON key.
_INTERACTIONS = re.compile(rb'^interactions:|"interactions"\s*:', re.MULTILINE)


def looks_like_cassette(path: Path) -> bool:
    """Whether a file says it is a cassette: it names 'interactions' as VCR.py writes it. A
    cassette broken past reading still says so, and is reported rather than skipped."""
    try:
        with path.open("rb") as stream:
            return _INTERACTIONS.search(stream.read()) is not None
    except OSError:
        return True  # unreadable: loading it says why


def cassette_files(paths: tuple[Path, ...]) -> tuple[list[Path], list[str]]:
    """The files to check, and the usage problems: a path that is not there, a folder with
    no cassette in it."""
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not found:
                problems.append(f"{path}: no cassettes in this folder ({', '.join(SUFFIXES)}); "
                                "name the folder VCR.py records into")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return files, problems


def run_verify(request: VerifyRequest, files: list[Path] | None = None) -> Outcome:
    """``files``: the cassettes ``cassette_files`` found for the request, when already known."""
    known = tuple(os.environ[v] for v in SECRET_VARIABLES if os.environ.get(v)) + request.secrets
    context = VerifyContext(hosts=DEFAULT_HOSTS | frozenset(request.hosts), secrets=known)
    if files is None:
        files, _ = cassette_files(request.paths)
    if request.cassettes_only:
        files = [path for path in files if looks_like_cassette(path)]
    outcome = Outcome()
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


def _text(outcome: Outcome) -> str:
    lines = [v.text() for v in outcome.violations]
    interactions = sum(len(c.interactions) for c, _ in outcome.cassettes)
    verdict = "ok" if not outcome.violations and not outcome.errors else "FAILED"
    lines.append(f"walmart-migrate verify: {len(outcome.cassettes)} cassette(s), {interactions} "
                 f"interaction(s), {len(outcome.violations)} violation(s): {verdict}")
    return "\n".join(lines) + "\n"


def verify(request: VerifyRequest, fmt: str, report: Path | None, out: TextIO,
           err: TextIO) -> int:
    unknown = set(request.only) - {r.id for r in RULES} - {"before-after"}
    if unknown:
        err.write(f"walmart-migrate: unknown rule(s) {', '.join(sorted(unknown))}; see "
                  "walmart-migrate list\n")
        return 2
    if request.before is not None and not request.before.is_dir():
        err.write(f"walmart-migrate: {request.before}: --before needs a folder of cassettes\n")
        return 2
    files, problems = cassette_files(request.paths)
    if problems:  # checked before any work, as scan does: nothing printed looks like a verdict
        for problem in problems:
            err.write(f"walmart-migrate: {problem}\n")
        return 2
    outcome = run_verify(request, files)
    for error in outcome.errors:
        err.write(f"walmart-migrate: {error}\n")
    if request.cassettes_only and not outcome.cassettes and not outcome.errors:
        return 0  # pre-commit handed over YAML/JSON files, none of them a cassette
    out.write({"json": _json, "sarif": sarif_report}.get(fmt, _text)(outcome))
    if report is not None:
        report.write_text(_json(outcome), encoding="utf-8")
    if outcome.errors:  # a cassette that could not be checked is never a pass
        return 1
    return 1 if outcome.violations and not request.exit_zero else 0

"""``verify --format sarif``: a result per violation, placed at the cassette's interaction and
named from the repository root (as code scanning resolves ``%SRCROOT%``), with per rule what to
do about a failure; cassettes that could not be read are notifications."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrate.runner.sarif import fingerprints, location, rule, sarif_log
from migrate.verify.rules import RULES

if TYPE_CHECKING:
    from migrate.verify.command import Outcome

__all__ = ["repository_uri", "sarif_report"]

RECORD_AGAIN = ("Record the cassette again with the migrated code - against the local emulator "
                "(walmart-migrate emulator) or the sandbox - with `pytest --record-mode=rewrite`, "
                "then run `walmart-migrate verify` on it.")
RULE_HELP = {
    "no-legacy-headers": "The recorded call still signs the legacy way: migrate the code that "
                         "made it (`walmart-migrate apply`), then " + RECORD_AGAIN[0].lower()
                         + RECORD_AGAIN[1:],
    "no-secrets": "The cassette holds a credential or a token. Treat it as leaked: reset the "
                  "Client Secret (or the key) in the Walmart Developer Portal, scrub the cassette "
                  "(the walmart-migrate pytest plugin's recording config does), and remove it from "
                  "the git history.",
    "before-after": "The migrated code makes other calls than the legacy code did: compare the "
                    "interaction named with the legacy cassette of the same name; if the change "
                    "is intended, record the legacy cassette again too.",
}


def _root(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def repository_uri(path: Path) -> str:
    """The cassette's path from the root of its git repository (else the current folder),
    '/'-separated: code scanning places alerts by that, and an absolute path from the machine
    that ran the check would place none."""
    absolute = Path(os.path.abspath(path))
    root = _root(absolute.parent) or Path.cwd()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:  # outside the repository and the current folder: its name is all
        return absolute.name


def sarif_report(outcome: Outcome) -> str:
    from migrate.verify.command import BEFORE_AFTER  # the command owns the rule's words

    rules = [(r.id, r.description) for r in RULES] + [BEFORE_AFTER]
    index = {rule: i for i, (rule, _) in enumerate(rules)}
    found = [(cassette, v) for cassette, violations in outcome.cassettes for v in violations]
    uris = {cassette.path: repository_uri(cassette.path) for cassette, _ in found}
    prints = fingerprints((uris[c.path], v.rule, str(v.index), v.method, v.uri, v.message)
                          for c, v in found)
    results = [{
        "ruleId": v.rule, "ruleIndex": index[v.rule], "level": "error",
        "message": {"text": replace(v, cassette=Path(uris[cassette.path])).text()},
        "locations": [location(uris[cassette.path],
                               cassette.line_of(v.index) if v.index is not None else 1)],
        "partialFingerprints": fingerprint,
    } for (cassette, v), fingerprint in zip(found, prints)]
    notifications = [_notification(error) for error in outcome.errors]
    return sarif_log("walmart-migrate verify",
                     [rule(r, d, d, RULE_HELP.get(r, RECORD_AGAIN), "error") for r, d in rules],
                     results, notifications, successful=not outcome.errors)


def _notification(error: str) -> dict[str, Any]:
    """A cassette that could not be checked, named from the repository root like the results
    (the message starts with the path as it was given)."""
    given, said, rest = error.partition(": ")
    if not (said and Path(given).is_file()):
        return {"level": "error", "message": {"text": error}}
    uri = repository_uri(Path(given))
    return {"level": "error", "message": {"text": f"{uri}: {rest}"}, "locations": [location(uri)]}

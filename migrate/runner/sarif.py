"""SARIF 2.1.0, as GitHub code scanning accepts it: one rule per codemod or look-alike scheme,
each with the full description and help GitHub shows; a result per site still to migrate,
placed relative to the repository root, with a fingerprint that survives lines moving. Code
already on OAuth is correct and is never a result: an alert there could never be fixed.

The log's frame (``sarif_log``, ``rule``, ``fingerprints``) is shared with ``verify``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from codemods.findings import Finding
from migrate import __version__
from migrate.runner.results import RunResult

__all__ = ["INFORMATION_URI", "fingerprints", "location", "rule", "sarif_log", "sarif_report"]

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# The project's home (pyproject.toml's [project.urls]); code scanning links the tool to it.
INFORMATION_URI = "https://github.com/walmart-migrate/walmart-migrate"
_LEVELS = {"marketplace-signature": "error", "hybrid": "warning", "unknown": "warning"}
# Look-alike schemes are reported so a reviewer sees why they stay; the reason is the
# classifier's own, and what to do is nothing.
_KEEP = ("Nothing to do: this code signs for another Walmart API that still uses signatures. "
         "walmart-migrate leaves it as it is. Dismiss the alert as 'won't fix' if it is noise.")
# What a result says is done about it: a scan has written nothing.
_ACTIONS = {"rewritten": "walmart-migrate apply rewrites it", "manual": "needs a person",
            "ignored": "left as it is"}
_MIGRATE = ("Run `walmart-migrate apply --diff <paths>` to see the rewrite, then "
            "`walmart-migrate apply <paths>` to make it; sites reported as manual need a person: "
            "the message says why. The OAuth credentials (Client ID and Client Secret) come from "
            "the Walmart Developer Portal.")


def rule(rule_id: str, short: str, full: str, help_text: str, level: str) -> dict[str, Any]:
    return {"id": rule_id, "name": rule_id.replace("/", "-"),
            "shortDescription": {"text": short}, "fullDescription": {"text": full},
            "help": {"text": help_text, "markdown": help_text},
            "helpUri": INFORMATION_URI, "defaultConfiguration": {"level": level}}


def fingerprints(entries: Iterable[tuple[str, ...]]) -> list[dict[str, str]]:
    """One fingerprint per entry from what identifies it (path, rule, message...) - never the
    line - and its rank among identical entries, so an alert keeps its identity when code
    above it moves, and two identical sites in one file stay two alerts."""
    seen: dict[str, int] = {}
    prints = []
    for entry in entries:
        digest = hashlib.sha256("\0".join(entry).encode("utf-8", "surrogateescape")).hexdigest()
        seen[digest] = seen.get(digest, 0) + 1
        prints.append({"walmartMigrate/v2": f"{digest[:32]}:{seen[digest]}"})
    return prints


def sarif_log(driver: str, rules: list[dict[str, Any]], results: list[dict[str, Any]],
              notifications: list[dict[str, Any]], successful: bool) -> str:
    run: dict[str, Any] = {
        "tool": {"driver": {"name": driver, "version": __version__,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {
            "text": "The repository root (the folder the command ran in)."}}},
        "results": results,
    }
    if notifications or not successful:
        run["invocations"] = [{"executionSuccessful": successful,
                               "toolExecutionNotifications": notifications}]
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def location(uri: str, line: int | None = None, column: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if line is not None:
        physical["region"] = {"startLine": max(1, line)}
        if column is not None:
            physical["region"]["startColumn"] = max(1, column)
    return {"physicalLocation": physical}


def _rule_id(finding: Finding) -> str:
    return finding.codemod if finding.action != "ignored" else f"look-alike/{finding.scheme}"


def _rule(rule_id: str, descriptions: dict[str, str], reasons: dict[str, str]) -> dict[str, Any]:
    if rule_id.startswith("look-alike/"):
        scheme = rule_id.split("/", 1)[1]
        reason = reasons.get(scheme, "a Walmart signature scheme that is not Marketplace's")
        return rule(rule_id, f"Walmart look-alike signature ({scheme}); not migrated",
                    f"Signing code for {scheme}: {reason}.", _KEEP, "note")
    text = descriptions.get(rule_id) or f"Walmart Marketplace legacy signing ({rule_id})"
    return rule(rule_id, text,
                f"{text} Walmart Marketplace no longer accepts the legacy signature "
                "(WM_SEC.AUTH_SIGNATURE with a Consumer ID and RSA private key); calls must "
                "send an OAuth WM_SEC.ACCESS_TOKEN.", _MIGRATE, "error")


def sarif_report(result: RunResult, descriptions: dict[str, str]) -> str:
    """``descriptions`` maps a codemod name to its one-line description."""
    from codemods.flow.judge import REASONS  # plain data; loads no LibCST

    # A site rewritten by this very run is fixed: an alert on it could never be closed either.
    findings = [(r.path, f) for r in result.files for f in r.findings
                if f.scheme != "oauth" and not (r.written and f.action == "rewritten")]
    rule_ids = sorted({_rule_id(f) for _, f in findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    prints = fingerprints((path, _rule_id(f), f.scheme, f.message) for path, f in findings)
    results = [{
        "ruleId": _rule_id(f), "ruleIndex": index[_rule_id(f)],
        "level": _LEVELS.get(f.scheme, "note"),
        "message": {"text": f"{f.message} ({f.scheme}; {_ACTIONS[f.action]})"},
        "locations": [location(path, f.line, f.column)],
        "partialFingerprints": fingerprint,
    } for (path, f), fingerprint in zip(findings, prints)]
    notifications = [
        {"level": "error" if r.status == "failed" else "warning",
         "message": {"text": f"{r.path}: {r.status}: {r.reason}"}, "locations": [location(r.path)]}
        for r in result.files if r.status in ("skipped", "failed")
    ]
    return sarif_log("walmart-migrate", [_rule(r, descriptions, REASONS) for r in rule_ids],
                     results, notifications, successful=not result.internal_errors)

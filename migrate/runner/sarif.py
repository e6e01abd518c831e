"""SARIF 2.1.0, as GitHub code scanning accepts it: one rule per codemod or scheme, a result
per finding with its location, and levels by how urgent the site is."""

from __future__ import annotations

import json
from typing import Any

from codemods.findings import Finding
from migrate import __version__
from migrate.runner.results import RunResult

__all__ = ["sarif_report"]

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"marketplace-signature": "error", "hybrid": "warning", "unknown": "warning"}


def _rule_id(finding: Finding) -> str:
    return finding.codemod if finding.action != "ignored" else f"look-alike/{finding.scheme}"


def _level(finding: Finding) -> str:
    return _LEVELS.get(finding.scheme, "note")


def _result(path: str, finding: Finding, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": _rule_id(finding),
        "ruleIndex": rule_index,
        "level": _level(finding),
        "message": {"text": f"[{finding.scheme}, {finding.action}] {finding.message}"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(1, finding.line), "startColumn": max(1, finding.column)},
        }}],
        "partialFingerprints": {"walmartMigrate/v1": f"{path}:{_rule_id(finding)}:{finding.line}"},
    }


def sarif_report(result: RunResult, descriptions: dict[str, str]) -> str:
    """``descriptions`` maps a codemod name to its one-line description."""
    findings = [(r.path, f) for r in result.files for f in r.findings]
    rule_ids = sorted({_rule_id(f) for _, f in findings})
    rules = []
    for rule_id in rule_ids:
        text = descriptions.get(rule_id) or (
            f"Walmart look-alike signature scheme ({rule_id.split('/', 1)[-1]}); not migrated")
        rules.append({"id": rule_id, "name": rule_id.replace("/", "-"),
                      "shortDescription": {"text": text},
                      "defaultConfiguration": {"level": "note" if "/" in rule_id else "error"}})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    notifications = [
        {"level": "error" if r.status == "failed" else "warning",
         "message": {"text": f"{r.path}: {r.status}: {r.reason}"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": r.path,
                                                                  "uriBaseId": "%SRCROOT%"}}}]}
        for r in result.files if r.status in ("skipped", "failed")
    ]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "walmart-migrate", "version": __version__, "rules": rules}},
        "results": [_result(path, f, index[_rule_id(f)]) for path, f in findings],
    }
    if notifications:
        run["invocations"] = [{"executionSuccessful": not result.internal_errors,
                               "toolExecutionNotifications": notifications}]
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"

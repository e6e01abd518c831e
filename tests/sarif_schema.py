"""SARIF logs checked as GitHub code scanning reads them: valid against the SARIF 2.1.0 JSON
schema (vendored in tests/schemas/, see the README there), plus what GitHub asks beyond it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

__all__ = ["SarifProblem", "check_sarif"]

_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
_VALIDATOR = Draft4Validator(_SCHEMA, format_checker=FormatChecker())


class SarifProblem(AssertionError):
    pass


def _github(log: dict[str, Any]) -> list[str]:
    problems = []
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        if not driver.get("informationUri", "").startswith("https://"):
            problems.append("tool.driver.informationUri missing")
        for rule in driver.get("rules", []):
            for key in ("fullDescription", "help"):
                if not rule.get(key, {}).get("text"):
                    problems.append(f"rule {rule['id']}: no {key}")
        for result in run["results"]:
            if driver["rules"][result["ruleIndex"]]["id"] != result["ruleId"]:
                problems.append(f"result {result['ruleId']}: ruleIndex points elsewhere")
            for place in result["locations"]:
                artifact = place["physicalLocation"]["artifactLocation"]
                uri = artifact["uri"]
                if artifact.get("uriBaseId") != "%SRCROOT%" or uri.startswith(("/", "file:")) \
                        or ".." in uri.split("/"):
                    problems.append(f"{uri}: not relative to the repository root")
            if not result.get("partialFingerprints"):
                problems.append(f"result {result['ruleId']}: no partialFingerprints")
    return problems


def check_sarif(text: str) -> dict[str, Any]:
    """The log, parsed; raises SarifProblem listing every way it is not what GitHub takes."""
    log: dict[str, Any] = json.loads(text)
    problems = [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in sorted(_VALIDATOR.iter_errors(log), key=str)]
    if not problems:
        problems = _github(log)
    if problems:
        raise SarifProblem("\n".join(problems))
    return log

"""What a migrated tree still holds of the legacy scheme, and the harm a run did, read with
``ast`` (independently of the tool under test)."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any

from tests.codemods.harm import unused_added_imports

LEGACY = ("wm_sec.auth_signature", "wm_sec.timestamp", "wm_consumer.id")
HARMS = ("changed a non-Marketplace file", "added an import nothing uses",
         "removed legacy headers without adding the token")


def marks(source: str) -> list[tuple[int, str]]:
    """(line, what) for each legacy header name and signing call in ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [(0, "unparsable file")]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.lower() in LEGACY:
                found.append((node.lineno, "legacy header name"))
            elif "DigitalSignatureUtil" in node.value:
                found.append((node.lineno, "signature jar call"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("sign", "sign_hash"):
            found.append((node.lineno, "signing call"))
    return sorted(set(found))


def unreported(files: Mapping[str, str], findings: Mapping[str, Sequence[Any]]) -> list[str]:
    """Files still holding a legacy header name or a signing call that no finding is about."""
    reasons = []
    for path, source in sorted(files.items()):
        if path.endswith(".py") and not findings.get(path):
            kinds = sorted({what for _, what in marks(source)})
            if kinds:
                reasons.append(f"{path}: {' and '.join(kinds)} with no finding")
    return reasons


def _legacy_literals(source: str) -> int:
    return sum(1 for _, what in marks(source) if what == "legacy header name")


def harms(before: Mapping[str, str], after: Mapping[str, str], result: Any) -> dict[str, int]:
    counts = dict.fromkeys(HARMS, 0)
    marketplace = any(f.scheme == "marketplace-signature" and f.action == "rewritten"
                      for r in result.files for f in r.findings)
    # A names module (an Enum of header names) loses its legacy names with no token of its
    # own: harm is legacy headers gone from a run that added the token nowhere.
    token_added = any(_tokens(after.get(r.path, "")) > _tokens(before.get(r.path, ""))
                      for r in result.files if r.status == "changed")
    for record in result.files:
        if record.status != "changed":
            continue
        new = after.get(record.path, "")
        if {f.scheme for f in record.findings} - {"marketplace-signature"} or not marketplace:
            counts[HARMS[0]] += 1
        if unused_added_imports(before.get(record.path, "").encode(), new.encode()):
            counts[HARMS[1]] += 1
        if _legacy_literals(new) < _legacy_literals(before.get(record.path, "")) and \
                not token_added:
            counts[HARMS[2]] += 1
    return counts


def _tokens(source: str) -> int:
    lowered = source.lower()
    return lowered.count("wm_sec.access_token") + lowered.count("auth_headers(")

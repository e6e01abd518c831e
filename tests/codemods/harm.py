"""What a migration must never do, counted over a run's results: change a file whose sites
are all look-alikes (or already on OAuth), add an ``import shim`` nothing uses, or take
legacy headers out of a request without the token going in."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

_LEGACY = re.compile(rb"WM_SEC\.AUTH_SIGNATURE|WM_SEC\.TIMESTAMP|WM_CONSUMER\.ID", re.IGNORECASE)
_TOKEN = re.compile(rb"WM_SEC\.ACCESS_TOKEN|auth_headers\(", re.IGNORECASE)


@dataclass
class Harm:
    lookalike_changed: list[str] = field(default_factory=list)
    unused_imports: list[str] = field(default_factory=list)
    headers_without_token: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.lookalike_changed or self.unused_imports or self.headers_without_token)


def _uses_shim(text: bytes) -> bool:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return True  # reported elsewhere
    return any(isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and
               node.value.id == "shim" for node in ast.walk(tree))


def _imports_shim(text: bytes) -> bool:
    return re.search(rb"^\s*import shim\s*$", text, re.MULTILINE) is not None


def harm_of(results: list[Any]) -> Harm:
    """Harm in one run's file results (``migrate.runner.results.FileResult``)."""
    harm = Harm()
    changed = [r for r in results if r.status == "changed" and r.original is not None]
    token_added = any(len(_TOKEN.findall(r.new or b"")) > len(_TOKEN.findall(r.original))
                      for r in changed)
    for result in changed:
        schemes = {f.scheme for f in result.findings}
        if schemes and "marketplace-signature" not in schemes:
            harm.lookalike_changed.append(result.path)
        new = result.new or b""
        if _imports_shim(new) and not _imports_shim(result.original) and not _uses_shim(new):
            harm.unused_imports.append(result.path)
        removed = len(_LEGACY.findall(result.original)) > len(_LEGACY.findall(new))
        if removed and not token_added:
            harm.headers_without_token.append(result.path)
    return harm

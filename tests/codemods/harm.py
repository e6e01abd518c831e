"""What a migration must never do, counted over a run's results: change a file whose sites
are all look-alikes (or already on OAuth), add an import nothing uses, or take
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


def _bound_by_imports(tree: ast.Module) -> set[str]:
    """The names the module's import statements bind (``import a.b`` binds ``a``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name.partition(".")[0]) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            names |= {(a.asname or a.name) for a in node.names if a.name != "*"}
    return names


def unused_added_imports(original: bytes, new: bytes) -> set[str]:
    """Names an import the migration added binds and nothing in the new file reads."""
    try:
        before, after = ast.parse(original), ast.parse(new)
    except SyntaxError:
        return set()  # reported elsewhere
    added = _bound_by_imports(after) - _bound_by_imports(before)
    read = {node.id for node in ast.walk(after) if isinstance(node, ast.Name)}
    exported = re.search(rb"__all__", new) is not None
    return set() if exported else added - read


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
        unused = unused_added_imports(result.original, new)
        if unused:
            harm.unused_imports.append(f"{result.path} ({', '.join(sorted(unused))})")
        removed = len(_LEGACY.findall(result.original)) > len(_LEGACY.findall(new))
        if removed and not token_added:
            harm.headers_without_token.append(result.path)
    return harm

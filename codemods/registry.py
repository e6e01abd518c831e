"""The codemods, in the order they run. Each entry is ``module:Class`` so worker processes
can import them by name (nothing is pickled but strings).

Classification comes first, on the untouched tree, so every finding points at the line the
seller wrote; the header rewrites follow; renames and the dead-code clean-up come last,
because they act on what the rewrites removed."""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from codemods.names import MARKERS, SIGNING_MARKERS

if TYPE_CHECKING:  # the codemods import LibCST; the runner's cache path must not
    from codemods.base import WalmartCodemod

__all__ = ["CODEMODS", "load_codemod", "load_codemods", "markers_of", "signing_markers_of"]

CODEMODS: tuple[str, ...] = (
    "codemods.classify:ClassifySites",
    "codemods.header_dict:RewriteHeaderDicts",
    "codemods.header_statements:RewriteHeaderSubscripts",
    "codemods.header_statements:RewriteHeaderCalls",
    "codemods.rename_credentials:RenameCredentials",
    "codemods.dead_code:RemoveDeadSigning",
)


@cache
def load_codemod(path: str) -> type[WalmartCodemod]:
    module_name, _, class_name = path.partition(":")
    if not module_name or not class_name:
        raise ValueError(f"{path!r} is not MODULE:CLASS")
    from codemods.base import WalmartCodemod

    codemod = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(codemod, type) and issubclass(codemod, WalmartCodemod)):
        raise TypeError(f"{path} is not a WalmartCodemod")
    return codemod


def load_codemods(paths: tuple[str, ...]) -> list[type[WalmartCodemod]]:
    return [load_codemod(p) for p in paths]


# The built-in codemods' MARKERS and SIGNING_MARKERS, known without loading them: a run
# whose worker processes parse never loads LibCST itself (tests/codemods/test_registry.py
# holds this table to the classes).
_BUILT_IN_MARKERS: dict[str, tuple[tuple[bytes, ...], tuple[bytes, ...]]] = {
    path: (MARKERS, SIGNING_MARKERS) for path in CODEMODS}


def markers_of(paths: tuple[str, ...]) -> tuple[bytes, ...]:
    """Every byte string that makes a file worth parsing, deduplicated, longest first."""
    return _longest_first({m for p in paths for m in _markers(p)[0]})


def signing_markers_of(paths: tuple[str, ...]) -> tuple[bytes, ...]:
    """Byte strings of signing code a marked file may call into (see WalmartCodemod)."""
    return _longest_first({m for p in paths for m in _markers(p)[1]})


def _markers(path: str) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    known = _BUILT_IN_MARKERS.get(path)
    if known is not None:
        return known
    codemod = load_codemod(path)
    return codemod.MARKERS, codemod.SIGNING_MARKERS


def _longest_first(markers: set[bytes]) -> tuple[bytes, ...]:
    return tuple(sorted(markers, key=lambda m: (-len(m), m)))

"""The registry answers what makes a file worth parsing without loading the codemods."""

from __future__ import annotations

from codemods import registry
from codemods.registry import CODEMODS, load_codemod


def test_the_built_in_markers_are_the_codemods_own() -> None:
    assert set(registry._BUILT_IN_MARKERS) == set(CODEMODS)
    for path in CODEMODS:
        codemod = load_codemod(path)
        assert registry._BUILT_IN_MARKERS[path] == (codemod.MARKERS, codemod.SIGNING_MARKERS)

"""Edits that keep the seller's formatting: dropping dict entries without leaving stray
commas or mis-indented braces, and removing statements without touching their neighbours."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

__all__ = ["drop_elements"]

Element = cst.BaseDictElement


def drop_elements(elements: Sequence[Element], drop: Callable[[Element], bool]) -> list[Element]:
    """``elements`` without those ``drop`` selects. The comma (and the whitespace after it) of
    a dropped last element moves to the new last one, so a closing brace stays where it was."""
    kept: list[Element] = []
    last_dropped: Element | None = None
    for element in elements:
        if drop(element):
            last_dropped = element
        else:
            kept.append(element)
            last_dropped = None
    if kept and last_dropped is not None:
        kept[-1] = kept[-1].with_changes(comma=last_dropped.comma)
    return kept

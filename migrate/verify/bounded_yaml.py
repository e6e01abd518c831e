"""YAML for untrusted cassettes: the safe loader, with aliases bounded.

An alias is a reference, so a few hundred bytes of nested aliases (a "billion laughs")
load as a small graph - and then explode into gigabytes in whatever walks it. The document
is composed first, its size *as if every alias were expanded* is measured over the node
graph (each node once), and it is constructed only when that size stays within a small
multiple of the text. Cassettes VCR.py writes use no aliases at all, so they always pass.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["YamlTooLarge", "load_bounded"]

# LibYAML's safe loader when it is there (VCR.py writes with LibYAML too): same documents,
# several times faster than the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 200  # VCR.py cassettes nest about 6 deep; bodies are strings


class YamlTooLarge(ValueError):
    """The document's aliases expand too far, refer to themselves, or it nests too deep."""


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """The size of the document with aliases expanded: one per node plus the length of each
    scalar. Iterative, each node measured once, so a bomb costs as little as its text."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            sizes[key] = min(limit + 1, 1 + sum(sizes[id(c)] for c in _children(node)))
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YamlTooLarge("an alias refers to a node that contains it")
        if depth > MAX_DEPTH:
            raise YamlTooLarge(f"it nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1 + len(node.value)
            continue
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_bounded(text: str) -> Any:
    """Like ``yaml.safe_load``; raises ``YamlTooLarge`` when aliases would expand the
    document past twice the size of its text (plus a little for short documents)."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        limit = 2 * len(text) + 65_536
        if _expanded_size(node, limit) > limit:
            raise YamlTooLarge("its aliases expand it past twice its size (an alias bomb?)")
        return loader.construct_document(node)
    finally:
        loader.dispose()

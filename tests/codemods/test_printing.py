"""``codemods.printing`` prints what LibCST prints, byte for byte: every module, and every
node within it printed on its own, over the seller code and fixtures, a sample of the
standard library, generated programs and odd layouts (encodings, line endings, tabs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import libcst as cst
import pytest
from libcst._nodes.base import CSTCodegenError

from codemods.flow.syntax import nodes_in
from codemods.printing import bytes_of, code_of
from tests.codemods.generated_corpus import corpus
from tests.codemods.test_bindings import SELLER_CODE, STDLIB, _stdlib_sample
from tests.codemods.test_generated_programs import corpus_folder
from tests.codemods.test_positions import LAYOUTS

__all__ = ["corpus_folder"]  # the generated programs' cache folder, as a fixture here too

_EMPTY = cst.Module(body=[])


def differences(label: str, source: bytes, nodes: bool = True) -> list[str]:
    """Where printing differs: the module, and with ``nodes`` every node on its own."""
    try:
        tree = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return []  # not for LibCST to parse: nothing to print
    found = []
    if bytes_of(tree) != tree.bytes or code_of(tree, tree) != tree.code:
        found.append(f"{label}: the module")
    for node in nodes_in(tree) if nodes else ():
        if _printed(code_of, node) != _printed(_EMPTY.code_for_node, node) or \
                _printed(lambda n: code_of(n, tree), node) != \
                _printed(tree.code_for_node, node):
            found.append(f"{label}: {type(node).__name__} {_printed(code_of, node)[:40]!r}")
    return found


def _printed(printer: Callable[[cst.CSTNode], str], node: cst.CSTNode) -> str:
    """The text, or the error printing the node on its own gives (an annotation, say, has
    no indicator of its own)."""
    try:
        return printer(node)
    except CSTCodegenError as exc:
        return f"CSTCodegenError: {exc}"


def _agree(sources: list[tuple[str, bytes]], nodes: bool = True) -> None:
    disagreements = [line for label, source in sources
                     for line in differences(label, source, nodes)]
    assert disagreements == []


def test_seller_code_and_fixtures() -> None:
    root = Path(__file__).resolve().parents[2]
    code = [(str(p.relative_to(root)), p.read_bytes()) for p in SELLER_CODE]
    _agree(code, nodes=False)
    _agree(code[::5])


def test_standard_library_sample() -> None:
    sample = [(str(p.relative_to(STDLIB)), p.read_bytes()) for p in _stdlib_sample()[::2]]
    _agree(sample, nodes=False)
    _agree(sample[1::15])


@pytest.mark.timeout(900)
def test_generated_programs(corpus_folder: Path) -> None:
    _, programs = corpus(corpus_folder, 7919, 500)  # test_generated_programs' first chunk
    drawn = [(f"program {i}", p) for i, p in enumerate(programs[:150])]
    _agree(drawn, nodes=False)
    _agree(drawn[::10])


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layouts(layout: str) -> None:
    _agree([(layout, LAYOUTS[layout])])


def test_an_encoding_other_than_utf_8() -> None:
    source = "# -*- coding: latin-1 -*-\nname = 'caf\u00e9'\n".encode("latin-1")
    tree = cst.parse_module(source)
    assert bytes_of(tree) == source == tree.bytes

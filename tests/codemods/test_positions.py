"""Our positions (codemods/positions.py) against LibCST's PositionProvider, which every finding's
line and column and every planned edit's place came from before: the same range for every
node, over the codemod fixtures, the sample sellers, a sample of the standard library,
generated programs and the layouts that move positions (no final newline, CRLF and CR line
ends, tabs, backslash continuations, parentheses, decorators, an empty file)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.positions import positions_of
from tests.codemods.generated_corpus import corpus
from tests.codemods.test_bindings import SELLER_CODE, STDLIB, _stdlib_sample
from tests.codemods.test_generated_programs import corpus_folder

__all__ = ["corpus_folder"]


def differences(label: str, source: bytes) -> list[str]:
    try:
        tree = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return []  # not for LibCST to parse: no answer to compare
    theirs = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
    ours = positions_of(tree)
    found = [f"{label}: {type(node).__name__} {theirs[node]} against {ours.get(node)}"
             for node in theirs if ours.get(node) != theirs[node]]
    if len(ours) != len(theirs) or list(ours) != list(theirs):
        found.append(f"{label}: other nodes, or in another order")
    starts = {id(n): (r.start.line, r.start.column + 1) for n, r in theirs.items()}
    if ours.starts() != starts:
        found.append(f"{label}: the one-based starts differ")
    return found


def _agree(sources: list[tuple[str, bytes]]) -> None:
    disagreements = [line for label, source in sources for line in differences(label, source)]
    assert disagreements == []


def test_seller_code_and_fixtures() -> None:
    root = Path(__file__).resolve().parents[2]
    _agree([(str(p.relative_to(root)), p.read_bytes()) for p in SELLER_CODE])


def test_standard_library_sample() -> None:
    _agree([(str(p.relative_to(STDLIB)), p.read_bytes()) for p in _stdlib_sample()[::3]])


@pytest.mark.timeout(900)
def test_generated_programs(corpus_folder: Path) -> None:
    _, programs = corpus(corpus_folder, 7919, 500)  # test_generated_programs' first chunk
    _agree([(f"program {i}", p) for i, p in enumerate(programs[:150])])


LAYOUTS = {
    "empty": b"",
    "only a newline": b"\n",
    "only a comment, no final newline": b"# nothing",
    "no final newline": b"import os\nx = os.path.join('a', 'b')",
    "crlf": b"def f(a,\r\n      b):\r\n    return (a +\r\n            b)\r\n",
    "cr": b"x = 1\ry = (x,\r     2)\r",
    "tabs and continuations": b"if x:\n\ty = 1 + \\\n\t\t2\n\tz = [\n\t\t3]\n",
    "parentheses and decorators": b"@d(1)\n@e\nclass C((B)):\n    x: int = ((1))\n"
                                  b"    async def m(self, *, k=(yield)) -> 'C': ...\n",
    "strings across lines": b'x = """a\nb\r\nc"""\ny = f"{x!r:>{10}}" \'z\'\n',
    "comments and blank lines": b"\n\n# a\n\nx = 1  # b\n\n\n# c\n",
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layouts(layout: str) -> None:
    assert differences(layout, LAYOUTS[layout]) == []


def test_a_position_is_where_the_seller_reads_it() -> None:
    tree = cst.parse_module(b"import os\n\n\nheaders = {'WM_SEC.AUTH_SIGNATURE': sign()}\n")
    line = tree.body[1]
    assert isinstance(line, cst.SimpleStatementLine) and isinstance(line.body[0], cst.Assign)
    headers = line.body[0].value
    assert isinstance(headers, cst.Dict) and isinstance(headers.elements[0], cst.DictElement)
    call = headers.elements[0].value
    where = positions_of(tree)[call]
    assert (where.start.line, where.start.column, where.end.column) == (4, 36, 42)

"""Where every node of a parsed file starts and ends: LibCST's ``PositionProvider`` answers,
worked out by one code generation with a lighter state.

LibCST's provider records positions through a generator-based context manager per node and
splits every token on a regular expression; with ``MetadataWrapper`` around it, that was the
costliest walk of a file the run makes (every candidate file is positioned once). The rules
are LibCST's own - the same code generation calls ``record_syntactic_position`` where a node's
position skips its whitespace - so the answers are the same, node for node
(``tests/codemods/test_positions.py`` compares them)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange

__all__ = ["positions_of"]

_NEWLINES = re.compile(r"\r\n?|\n")


class _Syntactic:
    """``record_syntactic_position`` without a generator: the span of the code generated
    inside it, or the start and end of the nodes named, overriding the node's own."""

    __slots__ = ("column", "end_node", "line", "node", "start_node", "state")

    def __init__(self, state: _PositionState, node: cst.CSTNode,
                 start_node: Optional[cst.CSTNode], end_node: Optional[cst.CSTNode]) -> None:
        self.state, self.node = state, node
        self.start_node, self.end_node = start_node, end_node
        self.line, self.column = state.line, state.column

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        state = self.state
        spans = state.spans
        line, column = (spans[id(self.start_node)][:2] if self.start_node is not None
                        else (self.line, self.column))
        end_line, end_column = (spans[id(self.end_node)][2:] if self.end_node is not None
                                else (state.line, state.column))
        if id(self.node) not in spans:
            state.nodes.append(self.node)
        spans[id(self.node)] = (line, column, end_line, end_column)


class _PositionState(CodegenState):
    """Counts lines and columns as the code is generated."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent,
                         default_newline=module.default_newline)
        self.line = 1  # one-indexed, as LibCST's
        self.column = 0  # zero-indexed
        self.starts: list[tuple[int, int]] = []
        # By the node's id (hashing a node is a Python call); the module keeps them alive.
        self.spans: dict[int, tuple[int, int, int, int]] = {}
        self.nodes: list[cst.CSTNode] = []

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)  # the module looks at them: is it empty, a final newline
        if "\n" in value or "\r" in value:
            segments = _NEWLINES.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        line, column = self.starts.pop()
        # A syntactic position recorded already (whitespace left out) stands.
        if id(node) not in self.spans:
            self.spans[id(node)] = (line, column, self.line, self.column)
            self.nodes.append(node)

    def record_syntactic_position(self, node: cst.CSTNode, *,
                                  start_node: Optional[cst.CSTNode] = None,
                                  end_node: Optional[cst.CSTNode] = None) -> Any:
        return _Syntactic(self, node, start_node, end_node)


class Positions(Mapping[cst.CSTNode, CodeRange]):
    """Node -> ``CodeRange``, each range made when first asked for."""

    def __init__(self, module: cst.Module, spans: dict[int, tuple[int, int, int, int]],
                 nodes: list[cst.CSTNode]) -> None:
        self.module = module  # keeps every node, and so every id, alive
        self.spans = spans
        self.nodes = nodes
        self._ranges: dict[int, CodeRange] = {}

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        found = self._ranges.get(id(node))
        if found is None:
            line, column, end_line, end_column = self.spans[id(node)]
            found = self._ranges[id(node)] = CodeRange(CodePosition(line, column),
                                                       CodePosition(end_line, end_column))
        return found

    def __contains__(self, node: object) -> bool:
        return id(node) in self.spans

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def starts(self) -> dict[int, tuple[int, int]]:
        """Each node's id -> its first line and its column, one-based."""
        return {key: (span[0], span[1] + 1) for key, span in self.spans.items()}


def positions_of(module: cst.Module) -> Positions:
    """Every node's ``CodeRange``, as ``MetadataWrapper(module).resolve(PositionProvider)``
    gives it for the same tree."""
    state = _PositionState(module)
    module._codegen(state)
    return Positions(module, state.spans, state.nodes)

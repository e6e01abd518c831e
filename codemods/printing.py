"""A tree's code as LibCST prints it (``Module.code``, ``Module.code_for_node``), with a
lighter printing state. LibCST's enters a generator-based context manager at every node to
record a position that printing does not keep: a third of the time printing a module takes.
The text is LibCST's, byte for byte (``tests/codemods/test_printing.py``)."""

from __future__ import annotations

from typing import Any, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState

__all__ = ["bytes_of", "code_of"]

_EMPTY = cst.Module(body=[])  # the defaults a node printed on its own is given


class _Nothing:
    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


_NOTHING = _Nothing()


class _Printing(CodegenState):
    def record_syntactic_position(self, node: cst.CSTNode, *,
                                  start_node: Optional[cst.CSTNode] = None,
                                  end_node: Optional[cst.CSTNode] = None) -> Any:
        return _NOTHING


def code_of(node: cst.CSTNode, module: Optional[cst.Module] = None) -> str:
    """``module.code_for_node(node)``; with no module, as a node printed on its own."""
    within = module if module is not None else _EMPTY
    state = _Printing(default_indent=within.default_indent,
                      default_newline=within.default_newline)
    node._codegen(state)
    return "".join(state.tokens)


def bytes_of(module: cst.Module) -> bytes:
    """``module.bytes``: the module's code in its own encoding."""
    return code_of(module, module).encode(module.encoding)

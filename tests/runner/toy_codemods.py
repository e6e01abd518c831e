"""Small codemods of the runner's own tests: each exercises one path through the engine."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext, SkipFile
from libcst.metadata import PositionProvider

from codemods.base import WalmartCodemod


class RenameSignatureHeader(WalmartCodemod):
    """Rewrites the string "WM_SEC.AUTH_SIGNATURE" to "WM_SEC.ACCESS_TOKEN"; a call to
    ``dynamic(...)`` around it is left for a person."""

    NAME = "toy-rename"
    DESCRIPTION = "Rename the signature header string to the token header."
    MARKERS = (b"WM_SEC.AUTH_SIGNATURE",)
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.dynamic = 0

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "dynamic":
            self.dynamic += 1

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        if isinstance(original_node.func, cst.Name) and original_node.func.value == "dynamic":
            self.dynamic -= 1
        return updated_node

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.SimpleString:
        if original_node.evaluated_value != "WM_SEC.AUTH_SIGNATURE":
            return updated_node
        if self.dynamic:
            self.report(original_node, "marketplace-signature", "manual",
                        "signature header built dynamically; migrate it by hand")
            return updated_node
        self.report(original_node, "marketplace-signature", "rewritten",
                    "signature header replaced by the token header")
        quote = original_node.quote
        return updated_node.with_changes(value=f"{original_node.prefix}{quote}WM_SEC.ACCESS_TOKEN{quote}")


class FlagCanada(WalmartCodemod):
    NAME = "toy-canada"
    DESCRIPTION = "Report WALMART.CA tenants without touching them."
    MARKERS = (b"WALMART.CA",)
    METADATA_DEPENDENCIES = (PositionProvider,)

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.SimpleString:
        if original_node.evaluated_value == "WALMART.CA":
            self.report(original_node, "canada-signature", "ignored",
                        "legacy Canada Marketplace: still signature-based; not migrated")
        return updated_node


class Explodes(WalmartCodemod):
    NAME = "toy-explodes"
    DESCRIPTION = "Crashes on the name EXPLODE_HERE."
    MARKERS = (b"EXPLODE_HERE",)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "EXPLODE_HERE":
            raise RuntimeError("a codemod bug")


class Skips(WalmartCodemod):
    NAME = "toy-skips"
    DESCRIPTION = "Skips files that mention SKIP_ME."
    MARKERS = (b"SKIP_ME",)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "SKIP_ME":
            raise SkipFile("this file asked to be skipped")


class BreaksSyntax(WalmartCodemod):
    NAME = "toy-breaks-syntax"
    DESCRIPTION = "Turns the name BREAK_SYNTAX into a keyword, which does not parse."
    MARKERS = (b"BREAK_SYNTAX",)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value="class") if original_node.value == "BREAK_SYNTAX" \
            else updated_node


class MutatesDuringRun(WalmartCodemod):
    """Appends to the file on disk while it is being transformed: a seller's editor saving."""

    NAME = "toy-mutates"
    DESCRIPTION = "Edits its own file mid-run."
    MARKERS = (b"WM_SEC.AUTH_SIGNATURE",)

    def visit_Module(self, node: cst.Module) -> None:
        if self.context.filename and "MUTATE_DURING_RUN" in node.code:
            path = Path(self.context.filename)
            path.write_bytes(path.read_bytes() + b"# saved by an editor\n")


TOYS = "tests.runner.toy_codemods"
ALL = tuple(f"{TOYS}:{name}" for name in ("RenameSignatureHeader", "FlagCanada", "Explodes",
                                            "Skips", "BreaksSyntax"))

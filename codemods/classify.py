"""Report every Walmart signing site with its scheme and what the run does about it; when
asked, mark each site left for a person with a one-line comment above it."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from codemods.base import Finding, WalmartCodemod, findings_of
from codemods.flow.syntax import definitions
from codemods.names import MARKERS, SIGNING_MARKERS
from codemods.positions import positions_of
from codemods.work import module_name_of, plan_of

__all__ = ["MARK", "ClassifySites", "CommentAbove"]

MARK = "# walmart-migrate: "


class CommentAbove(cst.CSTTransformer):
    """One ``# walmart-migrate: ...`` comment above each given statement, never two."""

    def __init__(self, marks: dict[int, str]) -> None:
        super().__init__()
        self.marks = marks

    def on_leave(self, original_node: cst.CSTNodeT, updated_node: cst.CSTNodeT
                 ) -> cst.CSTNodeT:
        message = self.marks.get(id(original_node))
        if message is None or not isinstance(updated_node, (cst.SimpleStatementLine,
                                                            cst.BaseCompoundStatement)):
            return updated_node
        lines = list(updated_node.leading_lines)
        if any(line.comment and line.comment.value.startswith(MARK) for line in lines):
            return updated_node
        lines.append(cst.EmptyLine(comment=cst.Comment(f"{MARK}{message}")))
        return updated_node.with_changes(leading_lines=lines)  # type: ignore[return-value]


class ClassifySites(WalmartCodemod):
    NAME = "classify"
    DESCRIPTION = ("Classify every site that touches Walmart signing (Marketplace, Canada, "
                   "affiliate, supplier, fake, OAuth, hybrid, unknown) before anything is "
                   "rewritten, and account for every legacy header name and signing call.")
    MARKERS = MARKERS
    SIGNING_MARKERS = SIGNING_MARKERS

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        plan = plan_of(self.context, tree)
        module = module_name_of(self.context)
        findings = findings_of(self.context)
        planned = plan.findings.get(module, [])
        findings.extend(planned)
        kept = {q: r for q, r in plan.kept_helpers.items() if q.startswith(module + ".")}
        marks: dict[tuple[int, int], str] = {}
        for qualname, line in _definitions(tree, module, kept, self.origin):
            findings.append(Finding(line, 1, "marketplace-signature", "dead-signing-code", "manual",
                                    kept[qualname]))
        if self.options.mark_manual:
            marks = {(f.line, f.column): f"{f.scheme}: {f.message}" for f in planned
                     if f.action == "manual"}
        if not marks:
            return tree
        return self.visit_tracked(tree, _MarkStatements(self, marks))


class _MarkStatements(cst.CSTTransformer):
    """A comment above the statement holding each manual site (at its original position)."""

    def __init__(self, codemod: WalmartCodemod, marks: dict[tuple[int, int], str]) -> None:
        super().__init__()
        self.codemod = codemod
        self.marks = marks
        self.pending: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        position = self.codemod.origin(node)
        if position in self.marks:
            self.pending.append(self.marks.pop(position))
        return True

    def on_leave(self, original_node: cst.CSTNodeT, updated_node: cst.CSTNodeT) -> cst.CSTNodeT:
        if self.pending and isinstance(updated_node, (cst.SimpleStatementLine,
                                                      cst.BaseCompoundStatement)):
            message = self.pending.pop(0)
            self.pending.clear()
            lines = list(updated_node.leading_lines)
            if not any(line.comment and line.comment.value.startswith(MARK) for line in lines):
                lines.append(cst.EmptyLine(comment=cst.Comment(f"{MARK}{message}")))
                return updated_node.with_changes(leading_lines=lines)  # type: ignore[return-value]
        return updated_node


def _definitions(tree: cst.Module, module: str, wanted: dict[str, str],
                 origin: Callable[[cst.CSTNode], tuple[int, int] | None]
                 ) -> list[tuple[str, int]]:
    """(qualname, line) of the wanted function and class definitions: where the seller's
    file has them, known already when this is the tree as parsed, else worked out here."""
    if not wanted:
        return []

    def line_of(name: cst.Name) -> int:
        known = origin(name)
        if known is not None:
            return known[0]
        return positions_of(tree)[name].start.line

    return [(qualname, line_of(definition.name))
            for qualname, definition in definitions(tree, module) if qualname in wanted]

"""Report every Walmart signing site with its scheme and what the run does about it; when
asked, mark each site left for a person with a one-line comment above it."""

from __future__ import annotations

import libcst as cst

from codemods.base import Finding, WalmartCodemod, findings_of
from codemods.names import MARKERS, SIGNING_MARKERS
from codemods.work import fresh_analysis, module_name_of, plan_of

__all__ = ["MARK", "ClassifySites", "CommentAbove"]

HANDLER = {"dict": "header-dict", "subscript": "header-subscript", "call": "header-call"}
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
                   "affiliate, fake, OAuth, hybrid, unknown) before anything is rewritten.")
    MARKERS = MARKERS
    SIGNING_MARKERS = SIGNING_MARKERS

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        plan = plan_of(self.context, tree)
        module = module_name_of(self.context)
        findings = findings_of(self.context)
        marks: dict[int, str] = {}
        analysis = fresh_analysis(self.context, tree)
        for helper in analysis.facts.helpers:  # a signing helper the migration has to keep
            reason = plan.kept_helpers.get(helper.qualname)
            if reason is not None:
                findings.append(Finding(helper.line, 0, "marketplace-signature",
                                        "dead-signing-code", "manual", reason))
        for site in analysis.sites:
            facts = site.facts
            decision = plan.sites.get((module, facts.line, facts.column))
            if decision is None:
                continue
            findings.append(Finding(facts.line, facts.column, decision.scheme, HANDLER[facts.kind],
                                    decision.action, decision.message))
            if decision.action == "manual" and self.options.mark_manual:
                marks[id(self._statement(tree, site.node))] = f"{decision.scheme}: {decision.message}"
        return tree.visit(CommentAbove(marks)) if marks else tree

    def _statement(self, tree: cst.Module, node: cst.CSTNode) -> cst.CSTNode:
        """The statement holding a site (parents are worked out only when marking)."""
        parents = self.context.scratch.get("walmart_migrate.parents")
        if parents is None or parents[0] is not tree:
            table: dict[int, cst.CSTNode] = {}
            stack: list[cst.CSTNode] = [tree]
            while stack:
                current = stack.pop()
                for child in current.children:
                    table[id(child)] = current
                    stack.append(child)
            parents = self.context.scratch["walmart_migrate.parents"] = (tree, table)
        current = node
        while not isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            current = parents[1][id(current)]
        return current

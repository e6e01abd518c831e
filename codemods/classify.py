"""Report every Walmart signing site with its scheme and what the run does about it."""

from __future__ import annotations

import libcst as cst

from codemods.base import Finding, WalmartCodemod, findings_of
from codemods.names import MARKERS
from codemods.work import fresh_analysis, module_name_of, plan_of

__all__ = ["ClassifySites"]

HANDLER = {"dict": "header-dict", "subscript": "header-subscript", "call": "header-call"}


class ClassifySites(WalmartCodemod):
    NAME = "classify"
    DESCRIPTION = ("Classify every site that touches Walmart signing (Marketplace, Canada, "
                   "affiliate, fake, OAuth, hybrid, unknown) before anything is rewritten.")
    MARKERS = MARKERS

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        plan = plan_of(self.context, tree)
        module = module_name_of(self.context)
        findings = findings_of(self.context)
        for site in fresh_analysis(self.context, tree).sites:
            facts = site.facts
            decision = plan.sites.get((module, facts.line, facts.column))
            if decision is None:
                continue
            findings.append(Finding(facts.line, facts.column, decision.scheme, HANDLER[facts.kind],
                                    decision.action, decision.message))
        return tree

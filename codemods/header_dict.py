"""Rewrite header dicts that sign the legacy way: dict literals (inline in a call, returned,
assigned, or passed to ``.update()``), ``dict(...)`` calls around them, and keys held in
constants. The signature entry becomes ``WM_SEC.ACCESS_TOKEN``; the timestamp and consumer
id entries go. With ``--target rollout`` the three become ``**shim.auth_headers(...)``."""

from __future__ import annotations

import libcst as cst

from codemods.base import WalmartCodemod
from codemods.edits import drop_elements
from codemods.flow.collect import ROLLOUT, SiteNode
from codemods.flow.plan import RepoPlan
from codemods.imports_edit import ensure_import
from codemods.names import ACCESS_TOKEN, AUTH_SIGNATURE, LEGACY, MARKERS, SIGNING_MARKERS
from codemods.work import fresh_analysis, module_name_of, note_removed, plan_of, token_expression

__all__ = ["RewriteHeaderDicts"]


def token_key(key: cst.BaseExpression) -> cst.SimpleString:
    """The token header's name, in the quotes the seller used for the key it replaces."""
    quote = "'" if isinstance(key, cst.SimpleString) and key.value.endswith("'") else '"'
    return cst.SimpleString(f"{quote}{ACCESS_TOKEN}{quote}")


def entry_spacing(node: cst.Dict) -> cst.BaseParenthesizableWhitespace:
    """Whitespace between entries as the dict already has it (one per line, or inline)."""
    for element in node.elements:
        if isinstance(element.comma, cst.Comma):
            return element.comma.whitespace_after
    return cst.SimpleWhitespace(" ")


class RewriteHeaderDicts(WalmartCodemod):
    NAME = "header-dict"
    DESCRIPTION = ("Replace the legacy signature entries of header dict literals and dict() "
                   "calls with WM_SEC.ACCESS_TOKEN from the shim (or **shim.auth_headers(...)).")
    MARKERS = MARKERS
    SIGNING_MARKERS = SIGNING_MARKERS

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        self.plan: RepoPlan = plan_of(self.context, tree)
        if "dict" not in self.plan.rewrite_kinds.get(module_name_of(self.context), set()):
            return tree
        self.needs_shim = False
        self.targets: dict[int, SiteNode] = {
            id(site.node): site for site in fresh_analysis(self.context, tree).sites
            if site.facts.kind == "dict" and self.plan.rewrites(site.facts.scope)}
        if not self.targets:
            return tree
        tree = tree.visit(self)
        return ensure_import(tree, "shim") if self.needs_shim else tree

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.BaseExpression:
        site = self.targets.get(id(original_node))
        if site is None:
            return updated_node
        call = self.plan.token_calls.get(site.facts.function)
        rollout = self.plan.target == "rollout"
        keep_signature_entry = call is not None and not rollout
        kept: list[cst.BaseDictElement] = []
        dropped: set[int] = set()
        for original, updated in zip(original_node.elements, updated_node.elements):
            header = site.entries.get(id(original))
            if header == ROLLOUT and keep_signature_entry:
                assert call is not None
                note_removed(self.context, site.facts.function, original)
                updated = cst.DictElement(
                    key=cst.SimpleString(f'"{ACCESS_TOKEN}"'),
                    value=token_expression(call, site.facts.is_async, "oauth"),
                    comma=updated.comma)
            elif header == AUTH_SIGNATURE and keep_signature_entry:
                assert call is not None and isinstance(updated, cst.DictElement)
                note_removed(self.context, site.facts.function, original)
                updated = updated.with_changes(
                    key=token_key(updated.key),
                    value=token_expression(call, site.facts.is_async, "oauth"))
            elif header in LEGACY:
                note_removed(self.context, site.facts.function, original)
                dropped.add(id(updated))
            kept.append(updated)
        kept = drop_elements(kept, lambda e: id(e) in dropped)
        if rollout and call is not None:
            kept = [self._rollout_entry(call, site, updated_node, bool(kept)), *kept]
        self.needs_shim = True
        if not kept:
            return updated_node.with_changes(elements=[], lbrace=cst.LeftCurlyBrace(),
                                             rbrace=cst.RightCurlyBrace())
        return updated_node.with_changes(elements=kept)

    def _rollout_entry(self, call: object, site: SiteNode, node: cst.Dict,
                       followed: bool) -> cst.StarredDictElement:
        """``**shim.auth_headers(...)`` first, so the seller's own entries still win."""
        expression = token_expression(call, site.facts.is_async, "rollout")  # type: ignore[arg-type]
        if isinstance(expression, cst.Await):
            expression = expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        comma: cst.Comma | cst.MaybeSentinel = cst.Comma(whitespace_after=entry_spacing(node)) \
            if followed else cst.MaybeSentinel.DEFAULT
        return cst.StarredDictElement(value=expression, comma=comma)

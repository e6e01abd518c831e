"""Rewrite headers set one statement at a time: ``headers[...] = ...`` and
``session.headers[...] = ...`` (including a consumer id set once on a session and the
signature added per request), and ``request.add_header(...)`` / ``putheader(...)``."""

from __future__ import annotations

import libcst as cst

from codemods.base import WalmartCodemod
from codemods.flow.collect import SiteNode
from codemods.flow.plan import RepoPlan, TokenCall
from codemods.header_dict import token_key
from codemods.imports_edit import ensure_import
from codemods.names import AUTH_SIGNATURE, LEGACY, MARKERS, SIGNING_MARKERS
from codemods.work import fresh_analysis, module_name_of, note_removed, plan_of, token_expression

__all__ = ["RewriteHeaderCalls", "RewriteHeaderSubscripts"]


class _StatementSites(WalmartCodemod):
    KIND = ""
    MARKERS = MARKERS
    SIGNING_MARKERS = SIGNING_MARKERS

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        self.plan: RepoPlan = plan_of(self.context, tree)
        if self.KIND not in self.plan.rewrite_kinds.get(module_name_of(self.context), set()):
            return tree
        self.owner: dict[int, SiteNode] = {}
        self.needs_shim = False
        for site in fresh_analysis(self.context, tree).sites:
            if site.facts.kind == self.KIND and self.plan.rewrites(site.facts.scope):
                for statement in site.statements:
                    self.owner[id(statement)] = site
        if not self.owner:
            return tree
        tree = tree.visit(self)
        return ensure_import(tree, "shim") if self.needs_shim else tree

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.BaseStatement | cst.RemovalSentinel:
        body: list[cst.BaseSmallStatement] = []
        replacement: cst.BaseStatement | None = None
        for original, updated in zip(original_node.body, updated_node.body):
            site = self.owner.get(id(original))
            header = site.entries.get(id(original)) if site else None
            if site is None or header not in LEGACY:
                body.append(updated)
                continue
            note_removed(self.context, site.facts.function, original)
            call = self.plan.token_calls.get(site.facts.function)
            if header != AUTH_SIGNATURE or call is None:
                continue  # the timestamp and the consumer id go
            self.needs_shim = True
            if self.plan.target == "rollout":
                rollout = self.rollout(updated, call, site)
                if isinstance(rollout, cst.BaseSmallStatement):
                    body.append(rollout)
                else:
                    replacement = rollout
            else:
                body.append(self.token(updated, token_expression(call, site.facts.is_async, "oauth")))
        if replacement is not None and not body:
            return replacement.with_changes(leading_lines=original_node.leading_lines)
        if not body:
            return cst.RemoveFromParent()
        if len(body) != len(updated_node.body):
            body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=body)

    def token(self, statement: cst.BaseSmallStatement, value: cst.BaseExpression) -> cst.BaseSmallStatement:
        raise NotImplementedError

    def rollout(self, statement: cst.BaseSmallStatement, call: TokenCall,
                site: SiteNode) -> cst.BaseSmallStatement | cst.BaseStatement:
        raise NotImplementedError


class RewriteHeaderSubscripts(_StatementSites):
    NAME = "header-subscript"
    DESCRIPTION = ("Replace headers[...] = ... and session.headers[...] = ... signature statements "
                   "with the token header, and drop the timestamp and consumer id statements.")
    KIND = "subscript"

    def token(self, statement: cst.BaseSmallStatement, value: cst.BaseExpression) -> cst.BaseSmallStatement:
        assert isinstance(statement, cst.Assign)
        target = statement.targets[0].target
        assert isinstance(target, cst.Subscript)
        index = target.slice[0].slice
        assert isinstance(index, cst.Index)
        new_target = target.with_changes(slice=[target.slice[0].with_changes(
            slice=index.with_changes(value=token_key(index.value)))])
        return statement.with_changes(targets=[statement.targets[0].with_changes(target=new_target)],
                                      value=value)

    def rollout(self, statement: cst.BaseSmallStatement, call: TokenCall,
                site: SiteNode) -> cst.BaseSmallStatement:
        assert isinstance(statement, cst.Assign)
        target = statement.targets[0].target
        assert isinstance(target, cst.Subscript)
        headers = token_expression(call, site.facts.is_async, "rollout")
        update = cst.Call(func=cst.Attribute(value=target.value, attr=cst.Name("update")),
                          args=[cst.Arg(headers)])
        return cst.Expr(update)


class RewriteHeaderCalls(_StatementSites):
    NAME = "header-call"
    DESCRIPTION = ("Replace request.add_header(...) / putheader(...) signature calls with the token "
                   "header, and drop the timestamp and consumer id calls.")
    KIND = "call"

    def token(self, statement: cst.BaseSmallStatement, value: cst.BaseExpression) -> cst.BaseSmallStatement:
        assert isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call)
        call = statement.value
        name, header = call.args[0], call.args[1]
        return statement.with_changes(value=call.with_changes(args=[
            name.with_changes(value=token_key(name.value)), header.with_changes(value=value),
            *call.args[2:]]))

    def rollout(self, statement: cst.BaseSmallStatement, call: TokenCall,
                site: SiteNode) -> cst.BaseStatement:
        assert isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call)
        func = statement.value.func
        assert isinstance(func, cst.Attribute)
        owner = cst.Module([]).code_for_node(func.value)
        headers = cst.Module([]).code_for_node(token_expression(call, site.facts.is_async, "rollout"))
        if site.facts.is_async:
            headers = f"({headers})"
        return cst.parse_statement(f"for name, value in {headers}.items():\n"
                                   f"    {owner}.{func.attr.value}(name, value)\n")

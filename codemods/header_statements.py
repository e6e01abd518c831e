"""Rewrite headers set one statement at a time: ``headers[...] = ...`` and
``session.headers[...] = ...`` (including a consumer id set once on a session and the
signature added per request), and ``request.add_header(...)`` / ``putheader(...)``."""

from __future__ import annotations

import libcst as cst

from codemods.base import WalmartCodemod, same_nodes
from codemods.flow.plan import Edit
from codemods.header_dict import token_key
from codemods.imports_edit import ensure_import, ensure_imports
from codemods.names import ACCESS_TOKEN, MARKERS, SIGNING_MARKERS
from codemods.printing import code_of
from codemods.scoped import Scoped
from codemods.work import edits_for, module_name_of, note_removed, plan_of

__all__ = ["RewriteHeaderCalls", "RewriteHeaderSubscripts"]


class _StatementSites(Scoped, WalmartCodemod):
    MARKERS = MARKERS
    SIGNING_MARKERS = SIGNING_MARKERS

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        self.edits = edits_for(self.context, tree, self.NAME)
        if not self.edits:
            return tree
        self.needs_shim = False
        tree = self.visit_tracked(tree, self, at=self.edits, everywhere=False)
        if not self.needs_shim:
            return tree
        plan = plan_of(self.context, tree)
        needed = plan.imports.get(module_name_of(self.context), set())
        local = module_name_of(self.context).split(".")[0]
        return same_nodes(self.context, tree,
                          ensure_imports(ensure_import(tree, "shim", local), needed, local))

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.BaseStatement | cst.RemovalSentinel:
        body: list[cst.BaseSmallStatement] = []
        replacement: cst.BaseStatement | None = None
        changed = False
        for original, updated in zip(original_node.body, updated_node.body):
            position = self.origin(original)
            edit = self.edits.get(position) if position is not None else None
            if edit is None:
                body.append(updated)
                continue
            changed = True
            note_removed(self.context, self.function, original)
            if edit.action == "drop":
                continue
            self.needs_shim = True
            value = cst.parse_expression(edit.text)
            if edit.action == "rollout":
                rollout = self.rollout(updated, value, edit)
                if isinstance(rollout, cst.BaseSmallStatement):
                    body.append(rollout)
                else:
                    replacement = rollout
            else:
                body.append(self.token(updated, value))
        if not changed:
            return updated_node
        if replacement is not None and not body:
            return replacement.with_changes(leading_lines=original_node.leading_lines)
        if not body:
            return cst.RemoveFromParent()
        if len(body) != len(updated_node.body):
            body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=body)

    def token(self, statement: cst.BaseSmallStatement, value: cst.BaseExpression) -> cst.BaseSmallStatement:
        raise NotImplementedError

    def rollout(self, statement: cst.BaseSmallStatement, value: cst.BaseExpression,
                edit: Edit) -> cst.BaseSmallStatement | cst.BaseStatement:
        raise NotImplementedError


class RewriteHeaderSubscripts(_StatementSites):
    NAME = "header-subscript"
    DESCRIPTION = ("Replace headers[...] = ... and session.headers[...] = ... signature statements "
                   "with the token header, and drop the timestamp and consumer id statements.")

    def token(self, statement: cst.BaseSmallStatement, value: cst.BaseExpression) -> cst.BaseSmallStatement:
        if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call) and \
                isinstance(statement.value.func, cst.Attribute):
            # A rollout run's headers.update(shim.auth_headers(...)): the token header instead.
            owner = statement.value.func.value
            return cst.Assign(targets=[cst.AssignTarget(cst.Subscript(
                value=owner, slice=[cst.SubscriptElement(cst.Index(cst.SimpleString(
                    f'"{ACCESS_TOKEN}"')))]))], value=value)
        assert isinstance(statement, cst.Assign)
        target = statement.targets[0].target
        assert isinstance(target, cst.Subscript)
        index = target.slice[0].slice
        assert isinstance(index, cst.Index)
        new_target = target.with_changes(slice=[target.slice[0].with_changes(
            slice=index.with_changes(value=token_key(index.value)))])
        return statement.with_changes(targets=[statement.targets[0].with_changes(target=new_target)],
                                      value=value)

    def rollout(self, statement: cst.BaseSmallStatement, value: cst.BaseExpression,
                edit: Edit) -> cst.BaseSmallStatement:
        assert isinstance(statement, cst.Assign)
        target = statement.targets[0].target
        assert isinstance(target, cst.Subscript)
        update = cst.Call(func=cst.Attribute(value=target.value, attr=cst.Name("update")),
                          args=[cst.Arg(value)])
        return cst.Expr(update)


class RewriteHeaderCalls(_StatementSites):
    NAME = "header-call"
    DESCRIPTION = ("Replace request.add_header(...) / putheader(...) signature calls with the token "
                   "header, and drop the timestamp and consumer id calls.")

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.BaseStatement:
        """A rollout run's loop over shim.auth_headers(...): one add_header of the token."""
        position = self.origin(original_node)
        edit = self.edits.get(position) if position is not None else None
        if edit is None or edit.action != "token":
            return updated_node
        note_removed(self.context, self.function, original_node)
        body = updated_node.body.body[0]
        assert isinstance(body, cst.SimpleStatementLine) and isinstance(body.body[0], cst.Expr)
        call = body.body[0].value
        assert isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
        self.needs_shim = True
        owner = code_of(call.func.value)
        return cst.parse_statement(f'{owner}.{call.func.attr.value}("{ACCESS_TOKEN}", {edit.text})\n'
                                   ).with_changes(leading_lines=updated_node.leading_lines)

    def token(self, statement: cst.BaseSmallStatement, value: cst.BaseExpression) -> cst.BaseSmallStatement:
        assert isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call)
        call = statement.value
        name, header = call.args[0], call.args[1]
        return statement.with_changes(value=call.with_changes(args=[
            name.with_changes(value=token_key(name.value)), header.with_changes(value=value),
            *call.args[2:]]))

    def rollout(self, statement: cst.BaseSmallStatement, value: cst.BaseExpression,
                edit: Edit) -> cst.BaseStatement:
        assert isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call)
        func = statement.value.func
        assert isinstance(func, cst.Attribute)
        owner = code_of(func.value)
        headers = edit.text
        if isinstance(value, cst.Await):
            headers = f"({headers})"
        return cst.parse_statement(f"for name, value in {headers}.items():\n"
                                   f"    {owner}.{func.attr.value}(name, value)\n")

"""Rewrite headers written as mappings: dict literals (inline in a call, returned, assigned,
merged, passed to ``.update()``), literal sequences of ``(name, value)`` pairs, and names
zipped with values. The signature entry becomes ``WM_SEC.ACCESS_TOKEN``; the timestamp and
consumer id entries go. With ``--target rollout`` the three become ``**shim.auth_headers(...)``."""

from __future__ import annotations

import libcst as cst

from codemods.base import WalmartCodemod, same_nodes
from codemods.edits import drop_elements
from codemods.flow.plan import Edit
from codemods.imports_edit import ensure_import, ensure_imports
from codemods.names import ACCESS_TOKEN, MARKERS, SIGNING_MARKERS
from codemods.scoped import Scoped
from codemods.work import edits_for, module_name_of, note_removed, plan_of

__all__ = ["RewriteHeaderDicts", "entry_spacing", "token_key"]


def token_key(key: cst.BaseExpression) -> cst.SimpleString:
    """The token header's name, in the quotes and the case the seller used for the key it
    replaces (header names are case-insensitive on the wire)."""
    quote = "'" if isinstance(key, cst.SimpleString) and key.value.endswith("'") else '"'
    text = key.evaluated_value if isinstance(key, cst.SimpleString) else None
    name = ACCESS_TOKEN.lower() if isinstance(text, str) and text == text.lower() else ACCESS_TOKEN
    return cst.SimpleString(f"{quote}{name}{quote}")


def entry_spacing(node: cst.Dict | cst.List | cst.Tuple) -> cst.BaseParenthesizableWhitespace:
    """Whitespace between entries as the literal already has it (one per line, or inline)."""
    for element in node.elements:
        if isinstance(element.comma, cst.Comma):
            return element.comma.whitespace_after
    return cst.SimpleWhitespace(" ")


def _merged(statement: cst.BaseSmallStatement) -> cst.BaseExpression | None:
    """What ``x.update(mapping)`` merges, for a statement that is one."""
    if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
        call = statement.value
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "update" and \
                len(call.args) == 1 and not call.args[0].keyword and not call.args[0].star:
            return call.args[0].value
    return None


def _nothing(value: cst.BaseExpression) -> bool:
    """An empty mapping or sequence of pairs: ``{}``, ``[]``, ``()``, ``dict()``, and
    ``zip(...)`` or ``dict(...)`` of one."""
    if isinstance(value, (cst.Dict, cst.List, cst.Tuple)):
        return not value.elements
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
        if value.func.value == "dict":
            return all(_nothing(a.value) for a in value.args) and \
                not any(a.keyword for a in value.args)
        if value.func.value == "zip":
            return any(_nothing(a.value) for a in value.args)
    return False


class RewriteHeaderDicts(Scoped, WalmartCodemod):
    NAME = "header-dict"
    DESCRIPTION = ("Replace the legacy signature entries of header dicts, (name, value) pair "
                   "sequences and zipped names with WM_SEC.ACCESS_TOKEN from the shim (or "
                   "**shim.auth_headers(...)).")
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

    def _edit(self, node: cst.CSTNode, *kinds: str) -> Edit | None:
        position = self.origin(node)
        edit = self.edits.get(position) if position is not None else None
        return edit if edit is not None and edit.kind in kinds else None

    def _expression(self, edit: Edit) -> cst.BaseExpression:
        self.needs_shim = True
        return cst.parse_expression(edit.text)

    # -- dicts ------------------------------------------------------------------------------
    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.BaseExpression:
        kept: list[cst.BaseDictElement] = []
        dropped: set[int] = set()
        changed = False
        for original, updated in zip(original_node.elements, updated_node.elements):
            edit = self._edit(original, "dict")
            changed = changed or edit is not None
            if edit is not None and edit.action == "drop":
                note_removed(self.context, self.function, original)
                dropped.add(id(updated))
            elif edit is not None and edit.action in ("token", "rollout") and \
                    isinstance(updated, cst.DictElement):
                note_removed(self.context, self.function, original)
                updated = updated.with_changes(key=token_key(updated.key),
                                               value=self._expression(edit))
            elif edit is not None and edit.action == "token":  # a rollout run's **auth_headers
                note_removed(self.context, self.function, original)
                updated = cst.DictElement(key=cst.SimpleString(f'"{ACCESS_TOKEN}"'),
                                          value=self._expression(edit), comma=updated.comma)
            kept.append(updated)
        kept = drop_elements(kept, lambda e: id(e) in dropped)
        insert = self._edit(original_node, "dict")
        if insert is not None and insert.action == "insert":
            kept = [self._rollout_entry(insert, updated_node, bool(kept)), *kept]
        if not changed and insert is None:
            return updated_node
        if not kept:
            return updated_node.with_changes(elements=[], lbrace=cst.LeftCurlyBrace(),
                                             rbrace=cst.RightCurlyBrace())
        return updated_node.with_changes(elements=kept)

    def _rollout_entry(self, edit: Edit, node: cst.Dict, followed: bool) -> cst.StarredDictElement:
        """``**shim.auth_headers(...)`` first, so the seller's own entries still win."""
        expression = self._expression(edit)
        if isinstance(expression, cst.Await):
            expression = expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        comma: cst.Comma | cst.MaybeSentinel = cst.Comma(whitespace_after=entry_spacing(node)) \
            if followed else cst.MaybeSentinel.DEFAULT
        return cst.StarredDictElement(value=expression, comma=comma)

    # -- nothing left to merge -----------------------------------------------------------------
    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        """``headers.update({...})`` whose every entry the rewrite took out goes, rather
        than stay as ``headers.update({})``."""
        body = []
        for original, updated in zip(original_node.body, updated_node.body):
            merged = _merged(original), _merged(updated)
            if merged[0] is not None and merged[1] is not None and \
                    not _nothing(merged[0]) and _nothing(merged[1]):
                note_removed(self.context, self.function, original)
                continue
            body.append(updated)
        if len(body) == len(updated_node.body):
            return updated_node
        if not body:
            return cst.RemoveFromParent()
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=body)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        if not updated_node.body:  # a block must hold something
            return updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated_node

    # -- pairs and zipped names ---------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """With --target rollout, ``zip(names, values)`` (legacy names and values gone) becomes
        ``[*zip(names, values), *shim.auth_headers(...).items()]``: pairs all the same."""
        edit = self._edit(original_node, "zip-call")
        if edit is None or edit.action != "insert":
            return updated_node
        self.needs_shim = True
        pairs = cst.parse_expression(f"[*zip(), *({edit.text}).items()]")
        assert isinstance(pairs, cst.List)
        first = pairs.elements[0]
        assert isinstance(first, cst.StarredElement)
        return pairs.with_changes(elements=[first.with_changes(value=updated_node),
                                            *pairs.elements[1:]])

    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.BaseExpression:
        return self._sequence(original_node, updated_node)

    def leave_Tuple(self, original_node: cst.Tuple, updated_node: cst.Tuple) -> cst.BaseExpression:
        return self._sequence(original_node, updated_node)

    def _sequence(self, original_node: cst.List | cst.Tuple,
                  updated_node: cst.List | cst.Tuple) -> cst.BaseExpression:
        kept: list[cst.BaseElement] = []
        dropped: set[int] = set()
        changed = False
        for original, updated in zip(original_node.elements, updated_node.elements):
            edit = self._edit(original, "pair", "zip-name", "zip-value")
            if edit is None or not isinstance(updated, cst.Element):
                kept.append(updated)
                continue
            changed = True
            note_removed(self.context, self.function, original)
            if edit.action == "drop":
                dropped.add(id(updated))
            elif edit.kind == "pair" and isinstance(updated.value, (cst.Tuple, cst.List)):
                name, value = updated.value.elements[0], updated.value.elements[1]
                updated = updated.with_changes(value=updated.value.with_changes(elements=[
                    name.with_changes(value=token_key(name.value)),
                    value.with_changes(value=self._expression(edit)),
                    *updated.value.elements[2:]]))
            elif edit.kind == "zip-name":
                updated = updated.with_changes(value=token_key(updated.value))
            elif edit.kind == "zip-value":
                updated = updated.with_changes(value=self._expression(edit))
            kept.append(updated)
        kept = drop_elements(kept, lambda e: id(e) in dropped)  # type: ignore[arg-type,assignment]
        insert = self._edit(original_node, "pair")
        if insert is not None and insert.action == "insert":
            items = cst.parse_expression(f"[*({insert.text}).items()]")
            assert isinstance(items, cst.List)
            self.needs_shim = True
            first = items.elements[0]
            if kept:
                first = first.with_changes(comma=cst.Comma(whitespace_after=entry_spacing(updated_node)))
            kept = [first, *kept]
        if not changed and insert is None:
            return updated_node
        if len(kept) == 1 and isinstance(updated_node, cst.Tuple):
            kept[0] = kept[0].with_changes(comma=cst.Comma())  # a one-element tuple keeps its comma
        return updated_node.with_changes(elements=kept)

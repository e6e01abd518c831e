"""A transformer mixin that knows the qualified name of the function it is in, as the plan
names functions (``module.Class.method``; "" at module level)."""

from __future__ import annotations

import libcst as cst

__all__ = ["Scoped"]


class Scoped(cst.CSTTransformer):
    _names: list[tuple[str, str]]

    @property
    def function(self) -> str:
        """The enclosing function's qualified name, "" outside functions."""
        names = getattr(self, "_names", [])
        if not any(kind == "def" for kind, _ in names):
            return ""
        module = self.context.full_module_name or "module"  # type: ignore[attr-defined]
        return ".".join([module, *(name for _, name in names)])

    def _enter(self, kind: str, name: str) -> None:
        if not hasattr(self, "_names"):
            self._names = []
        self._names.append((kind, name))

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._enter("class", node.name.value)
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef
                       ) -> cst.BaseStatement:
        self._names.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._enter("def", node.name.value)
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
                          ) -> cst.BaseStatement:
        self._names.pop()
        return updated_node

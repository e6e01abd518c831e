"""What a codemod needs while it rewrites one file: the repository plan (from the runner, or
made from this file alone when a codemod runs on its own), the plan's edits for this file,
and the names its edits removed, so the clean-up can tell what the migration left unused."""

from __future__ import annotations

import libcst as cst

from codemods.base import CodemodContext, first_positions, options_of
from codemods.flow.plan import Edit, RepoPlan, plan_repository
from codemods.flow.summarise import summarise
from codemods.flow.syntax import nodes_in

__all__ = ["edits_for", "module_name_of", "note_removed", "plan_of", "removed_names"]

_PLAN = "walmart_migrate.plan"
_REMOVED = "walmart_migrate.removed"


def module_name_of(context: CodemodContext) -> str:
    return context.full_module_name or "module"


def attach_plan(context: CodemodContext, plan: RepoPlan) -> None:
    context.scratch[_PLAN] = plan


def plan_of(context: CodemodContext, tree: cst.Module) -> RepoPlan:
    """The runner's plan; alone, a plan of this file as if it were the whole repository
    (made once, from the tree the first codemod sees: the file as the seller wrote it)."""
    plan = context.scratch.get(_PLAN)
    if isinstance(plan, RepoPlan):
        return plan
    options = options_of(context)
    module = module_name_of(context)
    is_package = (context.filename or "").endswith("__init__.py")
    summary = summarise(tree, module, context.filename or "", is_package,
                        first_positions(context, tree))
    plan = plan_repository([summary], options.target, dict(options.renames))
    context.scratch[_PLAN] = plan
    return plan


def edits_for(context: CodemodContext, tree: cst.Module, codemod: str) -> dict[tuple[int, int], Edit]:
    """This file's edits for one codemod, by their position in the original file."""
    plan = plan_of(context, tree)
    return {(e.line, e.column): e for e in plan.edits.get(module_name_of(context), [])
            if e.codemod == codemod}


def renamed_variables(context: CodemodContext) -> dict[str, str]:
    """Environment variables this file now reads under a new name (old -> new)."""
    found: dict[str, str] = context.scratch.setdefault("walmart_migrate.environment", {})
    return found


def removed_names(context: CodemodContext) -> dict[str, set[str]]:
    """Function (or scope) -> names that appeared only in code an edit removed."""
    found: dict[str, set[str]] = context.scratch.setdefault(_REMOVED, {})
    return found


def note_removed(context: CodemodContext, where: str, node: cst.CSTNode) -> None:
    names = removed_names(context).setdefault(where, set())
    for current in nodes_in(node):
        if isinstance(current, cst.Name):
            names.add(current.value)
        elif isinstance(current, cst.Attribute) and isinstance(current.value, cst.Name) and \
                current.value.value in ("self", "cls"):
            names.add(f"self.{current.attr.value}")

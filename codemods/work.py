"""What a codemod needs while it rewrites one file: the repository plan (from the runner, or
made from this file alone when a codemod runs on its own) and the names its edits removed,
so the clean-up can tell what the migration left unused."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext

from codemods.base import options_of
from codemods.flow.collect import FileAnalysis, analyze
from codemods.flow.plan import RepoPlan, TokenCall, plan_repository

__all__ = ["fresh_analysis", "module_name_of", "plan_of", "removed_names", "token_expression"]

_PLAN = "walmart_migrate.plan"
_REMOVED = "walmart_migrate.removed"
_STANDALONE = "walmart_migrate.standalone"
_ANALYSIS = "walmart_migrate.analysis"


def module_name_of(context: CodemodContext) -> str:
    return context.full_module_name or "module"


def attach_plan(context: CodemodContext, plan: RepoPlan) -> None:
    context.scratch[_PLAN] = plan


def plan_of(context: CodemodContext, tree: cst.Module) -> RepoPlan:
    """The runner's plan; alone, a plan of this file as if it were the whole repository
    (made once, from the tree the first codemod sees)."""
    plan = context.scratch.get(_PLAN)
    if isinstance(plan, RepoPlan):
        return plan
    options = options_of(context)
    analysis = analyze(tree, module_name_of(context), context.filename or "")
    plan = plan_repository([analysis.facts], options.target, dict(options.renames))
    context.scratch[_PLAN] = plan
    context.scratch[_STANDALONE] = True
    context.scratch[_ANALYSIS] = (tree, analysis)
    return plan


def fresh_analysis(context: CodemodContext, tree: cst.Module) -> FileAnalysis:
    """The analysis of exactly this tree, reused by the next codemod when the tree is the
    same object (a codemod with nothing to do hands its input on)."""
    cached = context.scratch.get(_ANALYSIS)
    if cached is not None and cached[0] is tree:
        return cached[1]  # type: ignore[no-any-return]
    plan = plan_of(context, tree)
    analysis = analyze(tree, module_name_of(context), context.filename or "",
                       repo_constants=plan.header_constants)
    context.scratch[_ANALYSIS] = (tree, analysis)
    return analysis


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
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.add(current.value)
        elif isinstance(current, cst.Attribute) and isinstance(current.value, cst.Name) and \
                current.value.value in ("self", "cls"):
            names.add(f"self.{current.attr.value}")
        stack.extend(current.children)


def token_expression(call: TokenCall, is_async: bool, target: str) -> cst.BaseExpression:
    """``shim.access_token(id, secret)`` (awaited in async code), or for the rollout target
    ``shim.auth_headers(consumer_id=..., private_key=..., url=..., method=...)``."""
    if target == "rollout":
        arguments = [f"{name}={value}" for name, value in (
            ("consumer_id", call.consumer_id), ("private_key", call.private_key),
            ("url", call.url), ("method", call.method)) if value]
        function = "aauth_headers" if is_async else "auth_headers"
    else:
        arguments = [a for a in (call.client_id, call.client_secret) if a]
        function = "aaccess_token" if is_async else "access_token"
    text = f"shim.{function}({', '.join(arguments)})"
    return cst.parse_expression(f"await {text}" if is_async else text)

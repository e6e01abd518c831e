"""inline-helper: a signing helper called from one place, inlined into that caller."""

from __future__ import annotations

import random
from typing import Any, Callable

import libcst as cst

from tests.metamorphic.anatomy import signs
from tests.metamorphic.references import (
    call_sites,
    first_param,
    has_any,
    imports_of,
    is_plain_method,
    locals_of,
    reads_of,
)
from tests.metamorphic.reshape import ATOMS, CONDITIONAL, quoted_in_fstring, render, substituted
from tests.metamorphic.syntax import Edits, Parsed, Tree, fresh, parenthesized, parse_tree, walk, with_imports


def _inlinable_body(function: cst.FunctionDef) -> tuple[list[cst.BaseStatement], cst.BaseExpression] | None:
    if function.decorators or function.asynchronous or function.params.star_arg not in (
            None, cst.MaybeSentinel.DEFAULT) or function.params.star_kwarg is not None \
            or function.params.kwonly_params or function.params.posonly_params:
        return None
    body = [s for s in function.body.body if isinstance(s, cst.BaseStatement)]
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(
            body[0].body[0], cst.Expr) and isinstance(body[0].body[0].value, cst.SimpleString):
        body = body[1:]
    if not body:
        return None
    last = body[-1]
    if not (isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1
            and isinstance(last.body[0], cst.Return) and last.body[0].value is not None):
        return None
    rest = body[:-1]
    if any(has_any(s, cst.Return, cst.Yield, cst.Await, cst.Global, cst.Nonlocal, cst.FunctionDef,
                   cst.ClassDef, cst.Lambda) for s in rest):
        return None
    if has_any(last, cst.Yield, cst.Await, cst.Lambda):
        return None
    return rest, last.body[0].value


def _bind_arguments(function: cst.FunctionDef, call: cst.Call,
                    method: bool) -> dict[str, cst.BaseExpression] | None:
    params = list(function.params.params)[1 if method else 0:]
    bound: dict[str, cst.BaseExpression] = {}
    positional = [a for a in call.args if not a.keyword]
    if any(a.star for a in call.args) or len(positional) > len(params):
        return None
    for param, arg in zip(params, positional):
        bound[param.name.value] = arg.value
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value in bound or arg.keyword.value not in {p.name.value for p in params}:
                return None
            bound[arg.keyword.value] = arg.value
    for param in params:
        if param.name.value not in bound:
            if param.default is None:
                return None
            bound[param.name.value] = param.default
    return bound


def inline_helper(tree: Tree, rng: random.Random) -> Tree | None:
    """Inline a signing helper called from exactly one place into that caller; the helper's
    statements go before the caller's statement, its return value where the call was."""
    modules = parse_tree(tree)
    candidates = []
    for path, parsed in modules.items():
        for function, cls in parsed.functions():
            if not signs(parsed, function) or function.name.value.startswith("__"):
                continue
            if cls is not None and (not is_plain_method(function) or len(cls.body.body) < 2):
                continue
            shape = _inlinable_body(function)
            sites = call_sites(modules, path, function, cls)
            if shape is None or sites is None or len(sites) != 1 or sites[0].via == "attribute":
                continue
            found = _inline_plan(modules, path, parsed, function, cls, shape, sites[0])
            if found is not None:
                candidates.append(found)
    if not candidates:
        return None
    return rng.choice(candidates)(tree)


def _inline_plan(modules: dict[str, Parsed], path: str, parsed: Parsed, function: cst.FunctionDef,
                 cls: cst.ClassDef | None, shape: tuple[list[cst.BaseStatement], cst.BaseExpression],
                 site: Any) -> Callable[[Tree], Tree] | None:
    rest, returned = shape
    caller_parsed = modules[site.path]
    call = site.call
    caller = caller_parsed.function_of(call)
    if caller is None or caller is function:
        return None
    statement = caller_parsed.statement_of(call)
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return None
    for ancestor in caller_parsed.ancestors(call):
        if ancestor is statement:
            break
        if isinstance(ancestor, CONDITIONAL):
            return None
    method = cls is not None
    if method and first_param(caller) != "self":
        return None
    arguments = _bind_arguments(function, call, method)
    if arguments is None:
        return None
    caller_names = {n.value for n in walk(caller) if isinstance(n, cst.Name)}
    caller_locals = set(locals_of(caller_parsed, caller))
    helper_locals = locals_of(parsed, function)
    # Globals the helper reads must mean the same in the caller.
    imports: list[str] = []
    for assignment in parsed.globals_used(function):
        if assignment.name in caller_locals:
            return None
        if site.path != path:
            if not hasattr(assignment, "node") or not isinstance(
                    assignment.node, (cst.Import, cst.ImportFrom)):
                return None
            line = parsed.import_line(assignment)
            theirs = caller_parsed.global_assignments(assignment.name)
            if theirs and any(not isinstance(getattr(a, "node", None), (cst.Import, cst.ImportFrom))
                              or caller_parsed.import_line(a) != line for a in theirs):
                return None
            imports.append(line)
    taken = caller_names | parsed.names | caller_parsed.names
    mapping: dict[int, cst.CSTNode] = {}
    bindings: list[cst.BaseStatement] = []
    params = {p.name.value for p in function.params.params}
    for name, assignments in helper_locals.items():
        reassigned = len(assignments) > 1
        if name in params and not (method and name == "self"):
            value = arguments[name]
            value_code = render(value)
            reads = [r for a in assignments for r in reads_of(parsed, a)]
            quoted = any(quoted_in_fstring(parsed, r) for r in reads) and (
                '"' in value_code or "'" in value_code)
            if isinstance(value, (cst.Name, cst.Attribute, cst.SimpleString, cst.Integer)) \
                    and not reassigned and not quoted and "\n" not in value_code:
                for read in reads:
                    mapping[id(read)] = value
                continue
            new = name if name not in caller_names else fresh(taken, name)
            taken.add(new)
            bindings.append(cst.SimpleStatementLine([cst.Assign(
                [cst.AssignTarget(cst.Name(new))], parenthesized(value) if "\n" in value_code else value)]))
        elif name in params:
            continue
        else:
            new = name if name not in caller_names else fresh(taken, name)
            taken.add(new)
        if new != name:
            for a in assignments:
                targets = [a.node] if isinstance(a.node, cst.Name) else []
                for node in targets + reads_of(parsed, a):
                    mapping[id(node)] = cst.Name(new)
    new_rest = [substituted(s, mapping) for s in rest]
    new_value = substituted(returned, mapping)
    assert isinstance(new_value, cst.BaseExpression)
    if not isinstance(new_value, ATOMS) or "\n" in render(new_value):
        new_value = parenthesized(new_value)

    unused = [(p, n) for p, n in imports_of(modules, parsed, function.name.value)
              if n is not site.alias] if cls is None else []
    if any(p in (path, site.path) for p, _ in unused):
        return None

    def apply(tree: Tree) -> Tree:
        caller_edits = Edits()
        caller_edits.sub(call, new_value)
        hoisted = [*bindings, *new_rest]
        if hoisted:
            caller_edits.insert_before(statement, *hoisted)
        if site.alias is not None:
            _drop_alias(caller_edits, site.alias, function.name.value)
        helper_edits = caller_edits if site.path == path else Edits()
        helper_edits.remove(function)
        result = dict(tree)
        if site.path != path:
            result[path] = helper_edits.apply(parsed.module).code
        module = caller_edits.apply(caller_parsed.module)
        result[site.path] = with_imports(module, imports).code
        for other_path in sorted({p for p, _ in unused}):
            # An import nothing uses would break once the helper is gone: it goes too.
            other = Edits()
            for _, node in [u for u in unused if u[0] == other_path]:
                _drop_alias(other, node, function.name.value)
            result[other_path] = other.apply(modules[other_path].module).code
        return result

    return apply


def _drop_alias(edits: Edits, node: cst.ImportFrom, name: str) -> None:
    assert not isinstance(node.names, cst.ImportStar)
    kept = [a for a in node.names if not (isinstance(a.name, cst.Name) and a.name.value == name)]
    statement_edit = cst.RemovalSentinel.REMOVE if not kept else node.with_changes(
        names=[*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
    edits.sub(node, statement_edit)

"""What signer-partial and signer-object (and key-in-init) need to know: which attributes a
method reads and who sets them, and where a signing function's credential arguments can be
bound once - at module level, at the top of the calling function, or in ``__init__``."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from tests.metamorphic.anatomy import credential_role
from tests.metamorphic.references import (
    Site,
    ancestors,
    call_sites,
    class_family,
    is_plain_method,
    locals_of,
)
from tests.metamorphic.syntax import Edits, Parsed, bound_names, walk


def self_reads(function: cst.FunctionDef) -> set[str] | None:
    """The attributes a method reads from ``self``; None when it uses ``self`` otherwise."""
    attributes: set[str] = set()
    parents: dict[int, cst.CSTNode] = {}
    for node in walk(function.body):
        for child in node.children:
            parents[id(child)] = node
    for node in walk(function.body):
        if isinstance(node, cst.Name) and node.value == "self":
            parent = parents.get(id(node))
            if not (isinstance(parent, cst.Attribute) and parent.value is node):
                return None
            grand = parents.get(id(parent))
            if isinstance(grand, cst.AssignTarget) or (isinstance(grand, cst.Call) and grand.func is parent):
                return None
            attributes.add(parent.attr.value)
    return attributes


Writers = dict[str, set[tuple[str, str]]]


def attribute_writers(modules: dict[str, Parsed]) -> Writers:
    """attribute -> (class, method) pairs that assign ``self.<attribute>``."""
    writers: Writers = {}
    for parsed in modules.values():
        for function, cls in parsed.functions():
            for target in parsed.find(cst.AssignTarget, function):
                for node in walk(target.target):
                    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
                            and node.value.value == "self" and cls is not None:
                        writers.setdefault(node.attr.value, set()).add(
                            (cls.name.value, function.name.value))
    return writers


def init_of(cls: cst.ClassDef) -> cst.FunctionDef | None:
    return next((s for s in cls.body.body if isinstance(s, cst.FunctionDef)
                 and s.name.value == "__init__" and is_plain_method(s)), None)


def set_in_init(modules: dict[str, Parsed], writers: Writers, cls: str,
                 attributes: set[str]) -> bool:
    """Whether ``__init__`` of the class (or of a class it derives from) sets each attribute
    before it returns, and nothing else in the class's family ever sets it."""
    family, before = class_family(modules, cls), ancestors(modules, cls)
    for attribute in attributes:
        mine = {w for w in writers.get(attribute, set()) if w[0] in family}
        if not mine or any(method != "__init__" or owner not in before for owner, method in mine):
            return False
    return True


def attribute_names(modules: dict[str, Parsed]) -> set[str]:
    return {n for p in modules.values() for n in p.names}


@dataclass
class Plan:
    """Calls of a signing function grouped by where their credential arguments can be bound
    once: module level in one module, or at the top of one function."""

    path: str
    function: cst.FunctionDef | None  # None: module level
    anchor: cst.BaseStatement  # bind before this statement (function) / after it (module)
    sites: list[Site]
    credentials: list[str]  # the credential arguments' code, in parameter order


def credential_params(function: cst.FunctionDef) -> tuple[int, int] | None:
    params = function.params.params
    roles = [credential_role(p.name.value) for p in params]
    for index in range(len(params) - 1):
        if {roles[index], roles[index + 1]} == {"consumer_id", "private_key"} and \
                params[index].default is None and params[index + 1].default is None:
            return index, index + 1
    return None


def credential_args(function: cst.FunctionDef, call: cst.Call,
                     positions: tuple[int, int]) -> tuple[list[cst.Arg], bool] | None:
    """The two credential arguments of a call, and whether they were passed by keyword."""
    names = [function.params.params[i].name.value for i in positions]
    by_keyword = [a for a in call.args if a.keyword is not None and a.keyword.value in names]
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args):
        return None
    if len(by_keyword) == 2:
        return sorted(by_keyword, key=lambda a: names.index(a.keyword.value)), True  # type: ignore[union-attr]
    if not by_keyword and len(positional) > positions[1]:
        return [positional[positions[0]], positional[positions[1]]], False
    return None


def plans_for(modules: dict[str, Parsed], path: str, function: cst.FunctionDef,
           positions: tuple[int, int]) -> list[Plan] | None:
    sites = call_sites(modules, path, function, None)
    if not sites:
        return None
    groups: dict[tuple[str, int], list[tuple[Site, list[cst.BaseExpression]]]] = {}
    callers: dict[tuple[str, int], cst.FunctionDef | None] = {}
    for site in sites:
        parsed = modules[site.path]
        args = credential_args(function, site.call, positions)
        if args is None:
            return None
        values = [a.value for a in args[0]]
        if any(isinstance(n, cst.Call) for v in values for n in walk(v)):
            return None
        local = any(isinstance(n, cst.Name) and parsed.is_local(n) for v in values for n in walk(v))
        caller = parsed.function_of(site.call) if local else None
        if local and caller is None:
            return None
        key = (site.path, id(caller) if caller else 0)
        groups.setdefault(key, []).append((site, values))
        callers[key] = caller
    plans = []
    for key, group in groups.items():
        parsed = modules[key[0]]
        codes = [parsed.code(v) for v in group[0][1]]
        if any([parsed.code(v) for v in values] != codes for _, values in group):
            return None
        roots = {n.value for _, values in group for v in values for n in walk(v)
                 if isinstance(n, cst.Name)}
        caller = callers[key]
        if caller is not None:
            first = min((s for s, _ in group), key=lambda s: parsed.order[id(s.call)])
            caller_locals = locals_of(parsed, caller)
            if any(len(caller_locals.get(r, [])) > 1 for r in roots):
                return None
            anchor = top_statement_in(parsed, caller, first.call)
        else:
            roots |= {n.value for s, _ in group for n in walk(s.call.func) if isinstance(n, cst.Name)}
            if any(len(parsed.global_assignments(r)) > 1 for r in roots):
                return None
            body = list(parsed.module.body)
            index = max((i for i, s in enumerate(body) if bound_names(s) & roots), default=-1)
            if index < 0:
                return None
            anchor = body[index]
        plans.append(Plan(key[0], caller, anchor, [s for s, _ in group], codes))
    return plans


def top_statement_in(parsed: Parsed, function: cst.FunctionDef, node: cst.CSTNode) -> cst.BaseStatement:
    current: cst.CSTNode = node
    for parent in parsed.ancestors(node):
        if parent is function.body:
            assert isinstance(current, cst.BaseStatement)
            return current
        current = parent
    raise ValueError("not in the function")


def bind(edits: Edits, plan: Plan, statement: cst.BaseStatement) -> None:
    if plan.function is None:
        edits.insert_after(plan.anchor, statement.with_changes(
            leading_lines=[cst.EmptyLine(indent=False)]))
    else:
        edits.insert_before(plan.anchor, statement)


def without_credentials(parsed: Parsed, function: cst.FunctionDef, call: cst.Call,
                         positions: tuple[int, int], func: cst.BaseExpression,
                         keywords: bool) -> cst.Call:
    """The call without its credential arguments; with ``keywords`` the positional
    arguments after them are passed by name."""
    params = [p.name.value for p in function.params.params]
    args: list[cst.Arg] = []
    position = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value not in (params[positions[0]], params[positions[1]]):
                args.append(arg)
            continue
        if position not in positions:
            if keywords and position > positions[1]:
                arg = arg.with_changes(keyword=cst.Name(params[position]), equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
            args.append(arg)
        position += 1
    if args:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return call.with_changes(func=func, args=args)


def renamed_import(parsed: Parsed, node: cst.ImportFrom, old: str, new: str) -> cst.ImportFrom:
    assert not isinstance(node.names, cst.ImportStar)
    names = []
    for alias in node.names:
        if parsed.code(alias.name) == old:
            alias = alias.with_changes(name=cst.Name(new), asname=None)
        names.append(alias)
    return node.with_changes(names=names)

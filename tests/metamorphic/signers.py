"""How the signing is set up: key-in-init, signer-partial, signer-object."""

from __future__ import annotations

import random
from dataclasses import dataclass

import libcst as cst

from tests.metamorphic.anatomy import credential_role, is_key_load, sign_calls, signs
from tests.metamorphic.references import (
    Site,
    call_sites,
    first_param,
    is_plain_method,
    locals_of,
    reads_of,
    simple_assign,
)
from tests.metamorphic.reshape import substituted
from tests.metamorphic.syntax import (
    Edits,
    Parsed,
    Tree,
    bound_names,
    expr,
    fresh,
    parse_tree,
    stmt,
    walk,
    with_imports,
)


def _self_reads(function: cst.FunctionDef) -> set[str] | None:
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


def _attribute_writers(modules: dict[str, Parsed]) -> dict[str, set[str]]:
    """attribute -> names of the methods that assign ``self.<attribute>``."""
    writers: dict[str, set[str]] = {}
    for parsed in modules.values():
        for function, _ in parsed.functions():
            for target in parsed.find(cst.AssignTarget, function):
                for node in walk(target.target):
                    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
                            and node.value.value == "self":
                        writers.setdefault(node.attr.value, set()).add(function.name.value)
    return writers


def _init_of(cls: cst.ClassDef) -> cst.FunctionDef | None:
    return next((s for s in cls.body.body if isinstance(s, cst.FunctionDef)
                 and s.name.value == "__init__" and is_plain_method(s)), None)


def _only_in_init(writers: dict[str, set[str]], attributes: set[str]) -> bool:
    return all(writers.get(a) == {"__init__"} for a in attributes)


def _attribute_names(modules: dict[str, Parsed]) -> set[str]:
    return {n for p in modules.values() for n in p.names}


# -- key-in-init ----------------------------------------------------------------------------

def key_in_init(tree: Tree, rng: random.Random) -> Tree | None:
    """Load the key object once in ``__init__``, keep it on ``self``, and sign with that."""
    modules = parse_tree(tree)
    writers = _attribute_writers(modules)
    methods_of = {m.name.value for p in modules.values() for m, c in p.functions() if c is not None}
    candidates = []
    for path, parsed in modules.items():
        for cls in parsed.classes():
            init = _init_of(cls)
            if init is None:
                continue
            for method in cls.body.body:
                if not (isinstance(method, cst.FunctionDef) and is_plain_method(method)
                        and method is not init):
                    continue
                local = locals_of(parsed, method)
                keys = {s.key.value for s in sign_calls(parsed, method) if isinstance(s.key, cst.Name)}
                for statement in method.body.body:
                    assigned = simple_assign(statement)
                    if assigned is None or len(local.get(assigned[0], [])) != 1:
                        continue
                    name, value = assigned
                    loads = (name in keys or any(is_key_load(parsed, n) for n in walk(value))) \
                        and any(isinstance(n, cst.Call) for n in walk(value))
                    reads = _expression_self_reads(parsed, value)
                    if loads and reads is not None and reads and _only_in_init(
                            writers, reads - methods_of) and all(
                                writers.get(a) or a in methods_of for a in reads):
                        candidates.append((path, parsed, init, method, statement, name, value))
    if not candidates:
        return None
    path, parsed, init, method, statement, name, value = rng.choice(candidates)
    attribute = fresh(_attribute_names(modules), *rng.sample(
        ("_key", "_signing_key", "_rsa_key", "_private_key_object"), 4))
    edits = Edits()
    edits.insert_after(init.body.body[-1], stmt(f"self.{attribute} = {parsed.code(value)}"))
    local = locals_of(parsed, method)
    if rng.random() < .5:
        edits.sub(value, expr(f"self.{attribute}"))
    else:
        edits.remove(statement)
        for read in reads_of(parsed, local[name][0]):
            edits.sub(read, expr(f"self.{attribute}"))
    return {**tree, path: edits.apply(parsed.module).code}


def _expression_self_reads(parsed: Parsed, value: cst.BaseExpression) -> set[str] | None:
    """``self`` attributes an expression reads; None when it reads locals other than self."""
    attributes = set()
    for node in walk(value):
        if isinstance(node, cst.Name) and parsed.is_local(node):
            if node.value != "self":
                return None
            parent = parsed.parent(node)
            if not isinstance(parent, cst.Attribute):
                return None
            attributes.add(parent.attr.value)
    return attributes


# -- shared by signer-partial and signer-object: where the credentials come from ---------------

@dataclass
class Plan:
    """Calls of a signing function grouped by where their credential arguments can be bound
    once: module level in one module, or at the top of one function."""

    path: str
    function: cst.FunctionDef | None  # None: module level
    anchor: cst.BaseStatement  # bind before this statement (function) / after it (module)
    sites: list[Site]
    credentials: list[str]  # the credential arguments' code, in parameter order


def _credential_params(function: cst.FunctionDef) -> tuple[int, int] | None:
    params = function.params.params
    roles = [credential_role(p.name.value) for p in params]
    for index in range(len(params) - 1):
        if {roles[index], roles[index + 1]} == {"consumer_id", "private_key"} and \
                params[index].default is None and params[index + 1].default is None:
            return index, index + 1
    return None


def _credential_args(function: cst.FunctionDef, call: cst.Call,
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


def _plans(modules: dict[str, Parsed], path: str, function: cst.FunctionDef,
           positions: tuple[int, int]) -> list[Plan] | None:
    sites = call_sites(modules, path, function, None)
    if not sites:
        return None
    groups: dict[tuple[str, int], list[tuple[Site, list[cst.BaseExpression]]]] = {}
    callers: dict[tuple[str, int], cst.FunctionDef | None] = {}
    for site in sites:
        parsed = modules[site.path]
        args = _credential_args(function, site.call, positions)
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
            local = locals_of(parsed, caller)
            if any(len(local.get(r, [])) > 1 for r in roots):
                return None
            anchor = _top_statement_in(parsed, caller, first.call)
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


def _top_statement_in(parsed: Parsed, function: cst.FunctionDef, node: cst.CSTNode) -> cst.BaseStatement:
    current: cst.CSTNode = node
    for parent in parsed.ancestors(node):
        if parent is function.body:
            assert isinstance(current, cst.BaseStatement)
            return current
        current = parent
    raise ValueError("not in the function")


def _bind(edits: Edits, plan: Plan, statement: cst.BaseStatement) -> None:
    if plan.function is None:
        edits.insert_after(plan.anchor, statement.with_changes(
            leading_lines=[cst.EmptyLine(indent=False)]))
    else:
        edits.insert_before(plan.anchor, statement)


# -- signer-partial -------------------------------------------------------------------------

def signer_partial(tree: Tree, rng: random.Random) -> Tree | None:
    """Bind the credentials to the signing function once with ``functools.partial``: in
    ``__init__`` (``self._sign = functools.partial(sign, consumer_id, private_key)``), at
    module level, or at the top of the calling function."""
    modules = parse_tree(tree)
    candidates = []
    writers = _attribute_writers(modules)
    for path, parsed in modules.items():
        for function, cls in parsed.functions():
            if cls is None and signs(parsed, function):
                positions = _credential_params(function)
                plans = _plans(modules, path, function, positions) if positions else None
                if plans:
                    candidates.append(("function", path, parsed, function, cls, (positions, plans)))
            elif cls is not None and _method_candidate(modules, parsed, function, cls, writers):
                candidates.append(("method", path, parsed, function, cls, None))
    if not candidates:
        return None
    kind, path, parsed, function, cls, extra = rng.choice(candidates)
    style = rng.choice(("functools", "from"))
    if kind == "method":
        return _partial_method(tree, rng, modules, path, parsed, function, cls, style)
    positions, plans = extra
    return _partial_function(tree, rng, modules, function, positions, plans, style)


def _partial_import(parsed: Parsed, style: str) -> tuple[str, str]:
    if style == "from" and ("partial" not in parsed.names or any(
            parsed.code(s).strip() == "from functools import partial" for s in parsed.module.body)):
        return "from functools import partial", "partial"
    if "functools" in parsed.names and not any(
            parsed.code(s).strip() == "import functools" for s in parsed.module.body):
        return "from functools import partial as _partial", "_partial"
    return "import functools", "functools.partial"


def _partial_function(tree: Tree, rng: random.Random, modules: dict[str, Parsed],
                      function: cst.FunctionDef, positions: tuple[int, int], plans: list[Plan],
                      style: str) -> Tree:
    params = [p.name.value for p in function.params.params]
    result = dict(tree)
    for path in sorted({p.path for p in plans}):
        parsed = modules[path]
        edits = Edits()
        line, partial = _partial_import(parsed, style)
        taken = set(parsed.names)
        for plan in [p for p in plans if p.path == path]:
            callee = parsed.code(plan.sites[0].call.func)
            name = fresh(taken, *rng.sample(("_sign", "sign_request", "signer", "_signature_for"), 4))
            taken.add(name)
            if positions == (0, 1):
                bound = ", ".join(plan.credentials)
            else:
                bound = ", ".join(f"{params[i]}={c}" for i, c in zip(positions, plan.credentials))
            _bind(edits, plan, stmt(f"{name} = {partial}({callee}, {bound})"))
            for site in plan.sites:
                edits.sub(site.call, _without_credentials(parsed, function, site.call, positions,
                                                          cst.Name(name), keywords=positions != (0, 1)))
        result[path] = with_imports(edits.apply(parsed.module), [line]).code
    return result


def _without_credentials(parsed: Parsed, function: cst.FunctionDef, call: cst.Call,
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


def _method_candidate(modules: dict[str, Parsed], parsed: Parsed, function: cst.FunctionDef,
                      cls: cst.ClassDef, writers: dict[str, set[str]]) -> bool:
    if not is_plain_method(function) or function.name.value.startswith("__") or \
            not signs(parsed, function) or _init_of(cls) is None or function.asynchronous:
        return False
    reads = _self_reads(function)
    path = next(p for p, m in modules.items() if m is parsed)
    sites = call_sites(modules, path, function, cls)
    return bool(reads) and all(credential_role(a) for a in reads) and \
        _only_in_init(writers, reads) and sites is not None and len(sites) > 0  # type: ignore[arg-type]


def _method_as_function(parsed: Parsed, function: cst.FunctionDef, name: str,
                        reads: list[str]) -> cst.FunctionDef:
    """The method as a module-level function taking the attributes it read as parameters."""
    mapping = {}
    for node in walk(function.body):
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and \
                node.value.value == "self":
            mapping[id(node)] = cst.Name(node.attr.value)
    body = substituted(function.body, mapping)
    params = function.params.params
    new_params = [cst.Param(cst.Name(a), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                  for a in reads]
    return function.with_changes(
        name=cst.Name(name), body=body,
        params=function.params.with_changes(params=[*new_params, *params[1:]]),
        leading_lines=[cst.EmptyLine(indent=False)] * 2)


def _partial_method(tree: Tree, rng: random.Random, modules: dict[str, Parsed], path: str,
                    parsed: Parsed, function: cst.FunctionDef, cls: cst.ClassDef,
                    style: str) -> Tree | None:
    reads = sorted(_self_reads(function) or (), key=lambda a: credential_role(a) != "consumer_id")
    locals_ = set(locals_of(parsed, function))
    if set(reads) & locals_:
        return None
    init = _init_of(cls)
    assert init is not None
    name = fresh(parsed.names, "sign", "sign_request", "_signature")
    helper = _method_as_function(parsed, function, name, reads)
    line, partial = _partial_import(parsed, style)
    edits = Edits()
    edits.remove(function)
    edits.insert_after(parsed.top_level(function), helper)
    bound = ", ".join(f"self.{a}" for a in reads)
    edits.insert_after(init.body.body[-1],
                       stmt(f"self.{function.name.value} = {partial}({name}, {bound})"))
    return {**tree, path: with_imports(edits.apply(parsed.module), [line]).code}


# -- signer-object --------------------------------------------------------------------------

def signer_object(tree: Tree, rng: random.Random) -> Tree | None:
    """Hold the credentials in a small signer class with a ``sign(...)`` method, built once
    (in ``__init__``, at module level or at the top of the calling function) and used by
    the client."""
    modules = parse_tree(tree)
    writers = _attribute_writers(modules)
    candidates = []
    for path, parsed in modules.items():
        for function, cls in parsed.functions():
            if cls is None and signs(parsed, function):
                positions = _credential_params(function)
                plans = _plans(modules, path, function, positions) if positions else None
                if plans and _params_kept(parsed, function, positions):  # type: ignore[arg-type]
                    candidates.append(("function", path, parsed, function, cls, (positions, plans)))
            elif cls is not None and _method_candidate(modules, parsed, function, cls, writers):
                candidates.append(("method", path, parsed, function, cls, None))
    if not candidates:
        return None
    kind, path, parsed, function, cls, extra = rng.choice(candidates)
    signer = fresh(_attribute_names(modules), *rng.sample(("RequestSigner", "Signer", "WalmartSigner"), 3))
    if kind == "method":
        return _object_for_method(tree, rng, modules, path, parsed, function, cls, signer)
    positions, plans = extra
    return _object_for_function(tree, rng, modules, path, parsed, function, positions, plans, signer)


def _params_kept(parsed: Parsed, function: cst.FunctionDef, positions: tuple[int, int]) -> bool:
    local = locals_of(parsed, function)
    names = [function.params.params[i].name.value for i in positions]
    return all(len(local.get(n, [])) == 1 for n in names) and not function.asynchronous and \
        "self" not in local


def _object_for_method(tree: Tree, rng: random.Random, modules: dict[str, Parsed], path: str,
                       parsed: Parsed, function: cst.FunctionDef, cls: cst.ClassDef,
                       signer: str) -> Tree:
    reads = sorted(_self_reads(function) or (), key=lambda a: credential_role(a) != "consumer_id")
    init = _init_of(cls)
    assert init is not None
    assignments = "".join(f"        self.{a} = {a}\n" for a in reads)
    method = function.with_changes(name=cst.Name("sign"), leading_lines=[cst.EmptyLine(indent=False)],
                                   decorators=[])
    shell = stmt(f"class {signer}:\n    def __init__(self, {', '.join(reads)}):\n{assignments}")
    assert isinstance(shell, cst.ClassDef)
    holder = shell.with_changes(body=shell.body.with_changes(body=[*shell.body.body, method]),
                                leading_lines=[cst.EmptyLine(indent=False)] * 2)
    attribute = fresh(_attribute_names(modules), "_signer", "signer", "_request_signer")
    edits = Edits()
    edits.remove(function)
    edits.insert_before(parsed.top_level(function), holder)
    edits.insert_after(init.body.body[-1], stmt(
        f"self.{attribute} = {signer}({', '.join(f'self.{a}' for a in reads)})"))
    result = dict(tree)
    sites = call_sites(modules, path, function, cls) or []
    for site_path in sorted({s.path for s in sites} | {path}):
        site_edits = edits if site_path == path else Edits()
        for site in sites:
            if site.path == site_path:
                site_edits.sub(site.call.func, expr(f"self.{attribute}.sign"))
        result[site_path] = site_edits.apply(modules[site_path].module).code
    return result


def _object_for_function(tree: Tree, rng: random.Random, modules: dict[str, Parsed], path: str,
                         parsed: Parsed, function: cst.FunctionDef, positions: tuple[int, int],
                         plans: list[Plan], signer: str) -> Tree:
    params = function.params.params
    names = [params[i].name.value for i in positions]
    local = locals_of(parsed, function)
    mapping = {id(r): expr(f"self.{n}") for n in names for r in reads_of(parsed, local[n][0])}
    body = substituted(function.body, mapping)
    rest = [p for i, p in enumerate(params) if i not in positions]
    method = function.with_changes(
        name=cst.Name("sign"), body=body, leading_lines=[cst.EmptyLine(indent=False)],
        params=function.params.with_changes(params=[cst.Param(cst.Name("self"), comma=cst.Comma(
            whitespace_after=cst.SimpleWhitespace(" "))) if rest else cst.Param(cst.Name("self")),
            *rest]))
    assignments = "".join(f"        self.{n} = {n}\n" for n in names)
    shell = stmt(f"class {signer}:\n    def __init__(self, {', '.join(names)}):\n{assignments}")
    assert isinstance(shell, cst.ClassDef)
    holder = shell.with_changes(body=shell.body.with_changes(body=[*shell.body.body, method]),
                                leading_lines=function.leading_lines)
    result = dict(tree)
    home_edits = Edits()
    home_edits.sub(function, holder)
    for site_path in sorted({p.path for p in plans} | {path}):
        user = modules[site_path]
        edits = home_edits if site_path == path else Edits()
        taken = set(user.names)
        for plan in [p for p in plans if p.path == site_path]:
            func = plan.sites[0].call.func
            constructor = f"{user.code(func.value)}.{signer}" if isinstance(
                func, cst.Attribute) else signer
            instance = fresh(taken, *(("SIGNER", "_SIGNER") if plan.function is None
                                      else ("signer", "request_signer")))
            taken.add(instance)
            _bind(edits, plan, stmt(f"{instance} = {constructor}({', '.join(plan.credentials)})"))
            for site in plan.sites:
                edits.sub(site.call, _without_credentials(
                    user, function, site.call, positions, expr(f"{instance}.sign"), keywords=False))
                if site.alias is not None:
                    edits.sub(site.alias, _renamed_import(user, site.alias, function.name.value, signer))
        result[site_path] = edits.apply(user.module).code
    return result


def _renamed_import(parsed: Parsed, node: cst.ImportFrom, old: str, new: str) -> cst.ImportFrom:
    assert not isinstance(node.names, cst.ImportStar)
    names = []
    for alias in node.names:
        if parsed.code(alias.name) == old:
            alias = alias.with_changes(name=cst.Name(new), asname=None)
        names.append(alias)
    return node.with_changes(names=names)

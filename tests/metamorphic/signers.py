"""How the signing is set up: key-in-init, signer-partial, signer-object."""

from __future__ import annotations

import random
from typing import Any

import libcst as cst

from tests.metamorphic.anatomy import credential_role, is_key_load, sign_calls, signs
from tests.metamorphic.bindings import (
    Plan,
    Writers,
    attribute_names,
    attribute_writers,
    bind,
    credential_params,
    init_of,
    plans_for,
    renamed_import,
    self_reads,
    set_in_init,
    without_credentials,
)
from tests.metamorphic.references import (
    call_sites,
    imports_of,
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
    expr,
    fresh,
    parse_tree,
    stmt,
    walk,
    with_imports,
)

# -- key-in-init ----------------------------------------------------------------------------

def key_in_init(tree: Tree, rng: random.Random) -> Tree | None:
    """Load the key object once in ``__init__``, keep it on ``self``, and sign with that."""
    modules = parse_tree(tree)
    writers = attribute_writers(modules)
    methods = {m.name.value: m for p in modules.values() for m, c in p.functions() if c is not None}
    candidates = []
    for path, parsed in modules.items():
        for cls in parsed.classes():
            init = init_of(cls)
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
                    # A method it calls reads attributes too: they must be set by then as well.
                    for called in sorted((reads or set()) & set(methods)):
                        inner = self_reads(methods[called])
                        reads = None if inner is None or reads is None else reads | inner
                    if loads and reads and set_in_init(
                            modules, writers, cls.name.value, reads - set(methods)):
                        candidates.append((path, parsed, init, method, statement, name, value))
    if not candidates:
        return None
    path, parsed, init, method, statement, name, value = rng.choice(candidates)
    attribute = fresh(attribute_names(modules), *rng.sample(
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


# -- signer-partial -------------------------------------------------------------------------

def signer_partial(tree: Tree, rng: random.Random) -> Tree | None:
    """Bind the credentials to the signing function once with ``functools.partial``: in
    ``__init__`` (``self._sign = functools.partial(sign, consumer_id, private_key)``), at
    module level, or at the top of the calling function."""
    modules = parse_tree(tree)
    candidates: list[tuple[Any, ...]] = []
    writers = attribute_writers(modules)
    for path, parsed in modules.items():
        for function, cls in parsed.functions():
            if cls is None and signs(parsed, function):
                positions = credential_params(function)
                plans = plans_for(modules, path, function, positions) if positions else None
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
            bind(edits, plan, stmt(f"{name} = {partial}({callee}, {bound})"))
            for site in plan.sites:
                edits.sub(site.call, without_credentials(parsed, function, site.call, positions,
                                                          cst.Name(name), keywords=positions != (0, 1)))
        result[path] = with_imports(edits.apply(parsed.module), [line]).code
    return result


def _method_candidate(modules: dict[str, Parsed], parsed: Parsed, function: cst.FunctionDef,
                      cls: cst.ClassDef, writers: Writers) -> bool:
    if not is_plain_method(function) or function.name.value.startswith("__") or \
            not signs(parsed, function) or init_of(cls) is None or function.asynchronous:
        return False
    reads = self_reads(function)
    path = next(p for p, m in modules.items() if m is parsed)
    sites = call_sites(modules, path, function, cls)
    if not sites or not reads or not all(credential_role(a) for a in reads):
        return False
    # Bound at the end of __init__: no call may come before that.
    in_init = any((modules[s.path].function_of(s.call) or function).name.value == "__init__"
                  for s in sites)
    return set_in_init(modules, writers, cls.name.value, reads) and not in_init


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
    all_params = [*new_params, *params[1:]]
    all_params[-1] = all_params[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return function.with_changes(
        name=cst.Name(name), body=body,
        params=function.params.with_changes(params=all_params),
        leading_lines=[cst.EmptyLine(indent=False)] * 2)


def _partial_method(tree: Tree, rng: random.Random, modules: dict[str, Parsed], path: str,
                    parsed: Parsed, function: cst.FunctionDef, cls: cst.ClassDef,
                    style: str) -> Tree | None:
    reads = sorted(self_reads(function) or (), key=lambda a: credential_role(a) != "consumer_id")
    locals_ = set(locals_of(parsed, function))
    if set(reads) & locals_:
        return None
    init = init_of(cls)
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
    writers = attribute_writers(modules)
    candidates: list[tuple[Any, ...]] = []
    for path, parsed in modules.items():
        for function, cls in parsed.functions():
            if cls is None and signs(parsed, function):
                positions = credential_params(function)
                plans = plans_for(modules, path, function, positions) if positions else None
                if plans and _params_kept(parsed, function, positions):  # type: ignore[arg-type]
                    candidates.append(("function", path, parsed, function, cls, (positions, plans)))
            elif cls is not None and _method_candidate(modules, parsed, function, cls, writers):
                candidates.append(("method", path, parsed, function, cls, None))
    if not candidates:
        return None
    kind, path, parsed, function, cls, extra = rng.choice(candidates)
    signer = fresh(attribute_names(modules), *rng.sample(("RequestSigner", "Signer", "WalmartSigner"), 3))
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
    reads = sorted(self_reads(function) or (), key=lambda a: credential_role(a) != "consumer_id")
    init = init_of(cls)
    assert init is not None
    assignments = "".join(f"        self.{a} = {a}\n" for a in reads)
    method = function.with_changes(name=cst.Name("sign"), leading_lines=[cst.EmptyLine(indent=False)],
                                   decorators=[])
    shell = stmt(f"class {signer}:\n    def __init__(self, {', '.join(reads)}):\n{assignments}")
    assert isinstance(shell, cst.ClassDef)
    holder = shell.with_changes(body=shell.body.with_changes(body=[*shell.body.body, method]),
                                leading_lines=[cst.EmptyLine(indent=False)] * 2)
    attribute = fresh(attribute_names(modules), "_signer", "signer", "_request_signer")
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
    aliases = {id(s.alias) for p in plans for s in p.sites if s.alias is not None}
    # Imports of the function that nothing calls would break: they import the class instead.
    unused = [(p, n) for p, n in imports_of(modules, parsed, function.name.value)
              if id(n) not in aliases]
    for site_path in sorted({p.path for p in plans} | {path} | {p for p, _ in unused}):
        user = modules[site_path]
        edits = home_edits if site_path == path else Edits()
        taken = set(user.names)
        for _, node in [u for u in unused if u[0] == site_path]:
            edits.sub(node, renamed_import(user, node, function.name.value, signer))
        for plan in [p for p in plans if p.path == site_path]:
            func = plan.sites[0].call.func
            constructor = f"{user.code(func.value)}.{signer}" if isinstance(
                func, cst.Attribute) else signer
            instance = fresh(taken, *(("SIGNER", "_SIGNER") if plan.function is None
                                      else ("signer", "request_signer")))
            taken.add(instance)
            bind(edits, plan, stmt(f"{instance} = {constructor}({', '.join(plan.credentials)})"))
            for site in plan.sites:
                edits.sub(site.call, without_credentials(
                    user, function, site.call, positions, expr(f"{instance}.sign"), keywords=False))
                if site.alias is not None:
                    edits.sub(site.alias, renamed_import(user, site.alias, function.name.value, signer))
        result[site_path] = edits.apply(user.module).code
    return result



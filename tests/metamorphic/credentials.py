"""Where the consumer id and private key are held: creds-dataclass, creds-dict,
creds-settings.

Three places credentials live in seller code, each rewritten the same way by the three
refactorings: module globals read from the environment, attributes ``__init__`` sets, and
parameters of a signing function. creds-settings also takes environment reads made inside
functions (``os.environ["WALMART_CONSUMER_ID"]`` at a call site)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable

import libcst as cst

from tests.metamorphic.anatomy import CREDENTIAL_ENV, credential_role, env_read, signs
from tests.metamorphic.base_class import credential_statements, split_credentials
from tests.metamorphic.bindings import credential_args, credential_params
from tests.metamorphic.references import call_sites, class_family, locals_of, reads_of, simple_assign
from tests.metamorphic.reshape import quoted_in_fstring
from tests.metamorphic.syntax import (
    Edits,
    Parsed,
    Tree,
    after_imports,
    expr,
    fresh,
    parse_tree,
    stmt,
    stmts,
    walk,
    with_imports,
)

ROLES = ("consumer_id", "private_key")
Found = tuple[Any, ...]  # (kind, path, parsed, details, readers or sites)


@dataclass
class Style:
    """How one refactoring holds the credentials."""

    kind: str  # dataclass | dict | settings
    holder_class: str = ""
    imports: tuple[str, ...] = ()
    decorator: str = ""

    def read(self, holder: str, field: str, quote: str | None) -> str:
        if self.kind == "dict":
            q = "'" if quote == '"' else '"'
            return f"{holder}[{q}{field}{q}]"
        return f"{holder}.{field}"

    def build(self, values: dict[str, str]) -> str:
        if self.kind == "dict":
            return "{" + ", ".join(f'"{f}": {v}' for f, v in values.items()) + "}"
        return f"{self.holder_class}({', '.join(f'{f}={v}' for f, v in values.items())})"

    def definition(self, fields: list[str]) -> list[cst.BaseStatement]:
        if self.kind != "dataclass":
            return []
        body = "".join(f"    {f}: str\n" for f in fields)
        return [stmt(f"{self.decorator}\nclass {self.holder_class}:\n{body}").with_changes(
            leading_lines=[cst.EmptyLine(indent=False)] * 2)]


def _style(kind: str, taken: set[str], rng: random.Random) -> Style:
    if kind == "dict":
        return Style("dict")
    if kind == "settings":
        return Style("settings", fresh(taken, *rng.sample(("WalmartSettings", "Settings"), 2)))
    name = fresh(taken, *rng.sample(("Credentials", "WalmartCredentials", "SellerKeys"), 3))
    if rng.random() < .5:
        imports, decorator = ("from dataclasses import dataclass",), "@dataclass"
    else:
        imports, decorator = ("import dataclasses",), "@dataclasses.dataclass(frozen=True)"
    if "dataclass" in taken or "dataclasses" in taken:
        imports, decorator = ("import dataclasses as _dataclasses",), "@_dataclasses.dataclass"
    return Style("dataclass", name, imports, decorator)


def _role(name: str, value: cst.CSTNode | None, parsed: Parsed) -> str | None:
    role = credential_role(name)
    if role is None and value is not None:
        variable = env_read(parsed, value)
        if variable and CREDENTIAL_ENV.search(variable):
            role = "consumer_id" if "CONSUMER" in variable else "private_key"
    return role


# -- module globals read from the environment ------------------------------------------------

def _globals_sites(modules: dict[str, Parsed]) -> list[Found]:
    found = []
    for path, parsed in modules.items():
        chosen: dict[str, tuple[cst.BaseStatement, str, cst.BaseExpression]] = {}
        for statement in parsed.module.body:
            assigned = simple_assign(statement)
            if assigned is None or env_read(parsed, assigned[1]) is None:
                continue
            role = _role(assigned[0], assigned[1], parsed)
            if role is None or role in chosen or len(parsed.global_assignments(assigned[0])) != 1:
                continue
            chosen[role] = (statement, assigned[0], assigned[1])
        if not chosen or parsed.find(cst.Global):
            continue
        readers = _global_readers(modules, parsed, [n for _, n, _ in chosen.values()])
        if readers is not None:
            found.append(("globals", path, parsed, chosen, readers))
    return found


def _global_readers(modules: dict[str, Parsed], home: Parsed,
                    names: list[str]) -> dict[str, list[tuple[cst.CSTNode, str, str]]] | None:
    """path -> (node, holder prefix, global name) for every read of the globals."""
    readers: dict[str, list[tuple[cst.CSTNode, str, str]]] = {}
    path = next(p for p, m in modules.items() if m is home)
    for name in names:
        for assignment in home.global_assignments(name):
            for node in reads_of(home, assignment):  # type: ignore[arg-type]
                readers.setdefault(path, []).append((node, "", name))
    for other_path, other in modules.items():
        if other is home:
            continue
        for node in other.find(cst.ImportFrom):
            if not isinstance(node.names, cst.ImportStar) and other.absolute(node) == home.name \
                    and any(other.code(a.name) in names for a in node.names):
                return None
        for node in other.find(cst.Attribute):
            qualified = other.qname(node) or ""
            if qualified.rsplit(".", 1)[0] == home.name and qualified.rsplit(".", 1)[-1] in names:
                readers.setdefault(other_path, []).append(
                    (node, other.code(node.value) + ".", node.attr.value))
    return readers


def _rewrite_globals(tree: Tree, modules: dict[str, Parsed], site: Found, style: Style,
                     rng: random.Random) -> Tree:
    _, path, home, chosen, readers = site
    taken = set(home.names) | {n for p in readers for n in modules[p].names}
    holder = fresh(taken, *(("settings", "walmart_settings") if style.kind == "settings" else
                            ("CONFIG", "WALMART_CONFIG") if style.kind == "dict" else
                            ("CREDENTIALS", "SELLER_CREDENTIALS")))
    fields = {role: role for role in ROLES if role in chosen}
    field_of = {chosen[r][1]: r for r in chosen}
    values = {role: home.code(chosen[role][2]) for role in fields}
    ordered = sorted(chosen.values(), key=lambda c: home.order[id(c[0])])
    if style.kind == "settings":
        new = [*_settings_class(style.holder_class, values, rng),
               stmt(f"{holder} = {style.holder_class}()")]
    else:
        new = [*style.definition(list(fields)), stmt(f"{holder} = {style.build(values)}")]
    comments = [c for c in ordered[0][0].leading_lines if c.comment is not None]
    new[0] = new[0].with_changes(leading_lines=(
        [cst.EmptyLine(indent=False)] * 2 if isinstance(new[0], cst.ClassDef) else []) + comments)
    if len(new) > 1 and style.kind != "dict":
        new[-1] = new[-1].with_changes(leading_lines=[cst.EmptyLine(indent=False)] * 2)
    result = dict(tree)
    for reader_path in sorted(set(readers) | {path}):
        parsed_reader = modules[reader_path]
        edits = Edits()
        if reader_path == path:
            edits.sub(ordered[0][0], cst.FlattenSentinel(new))
            for statement, _, _ in ordered[1:]:
                edits.remove(statement)
        for node, prefix, name in readers.get(reader_path, []):
            quote = quoted_in_fstring(parsed_reader, node)
            edits.sub(node, expr(style.read(prefix + holder, field_of[name], quote)))
        module = edits.apply(parsed_reader.module)
        if reader_path == path:
            module = with_imports(module, list(style.imports))
        result[reader_path] = module.code
    return result


def _settings_class(name: str, values: dict[str, str], rng: random.Random) -> list[cst.BaseStatement]:
    if rng.random() < .5:
        body = "".join(f"        self.{f} = {v}\n" for f, v in values.items())
        code = f"class {name}:\n    def __init__(self):\n{body}"
    else:
        code = f"class {name}:\n" + "\n".join(
            f"    @property\n    def {f}(self):\n        return {v}\n" for f, v in values.items())
    return stmts(code)


# -- attributes set in __init__ -------------------------------------------------------------

def _attribute_sites(modules: dict[str, Parsed]) -> list[Found]:
    found = []
    for path, parsed in modules.items():
        for cls in parsed.classes():
            init = next((s for s in cls.body.body if isinstance(s, cst.FunctionDef)
                         and s.name.value == "__init__"), None)
            if init is None:
                continue
            statements = credential_statements(parsed, init)
            parts = [split_credentials(parsed, s) for s in statements]
            if not statements or any(p is None for p in parts):
                continue
            pairs = [pair for part in parts for pair in part[0]]  # type: ignore[index]
            roles = [credential_role(a) for a, _ in pairs]
            if None in roles or len(set(roles)) != len(roles) or any(
                    not isinstance(v, (cst.Name, cst.Attribute)) for _, v in pairs):
                continue
            attributes = {a for a, _ in pairs}
            family = class_family(modules, cls.name.value)
            reads = _attribute_reads(modules, family, attributes, statements)
            if reads is not None:
                found.append(("attributes", path, parsed, (cls, statements, parts, pairs), reads))
    return found


def _attribute_reads(modules: dict[str, Parsed], family: set[str], attributes: set[str],
                     statements: Sequence[cst.BaseStatement]) -> dict[str, list[cst.Attribute]] | None:
    skip = {id(n) for s in statements for n in walk(s)}
    reads: dict[str, list[cst.Attribute]] = {}
    for path, parsed in modules.items():
        for node in parsed.find(cst.Attribute):
            if node.attr.value not in attributes or id(node) in skip:
                continue
            owner = parsed.class_of(node)
            if owner is None or owner.name.value not in family:
                if isinstance(node.value, cst.Name) and node.value.value == "self" and owner is not None:
                    continue  # another class's own attribute of the same name
                return None
            if not (isinstance(node.value, cst.Name) and node.value.value == "self"):
                return None
            if isinstance(parsed.parent(node), cst.AssignTarget):
                return None
            reads.setdefault(path, []).append(node)
    return reads


def _rewrite_attributes(tree: Tree, modules: dict[str, Parsed], site: Found, style: Style,
                        rng: random.Random) -> Tree:
    _, path, parsed, (cls, statements, parts, pairs), reads = site
    attributes = {n for p in modules.values() for n in p.names}
    holder = fresh(attributes, *(("_config", "config") if style.kind == "dict"
                                 else ("credentials", "_credentials")))
    values = {a: parsed.code(v) for a, v in pairs}
    result = dict(tree)
    for reader_path in sorted(set(reads) | {path}):
        reader = modules[reader_path]
        edits = Edits()
        if reader_path == path:
            for index, (statement, part) in enumerate(zip(statements, parts)):
                new = [stmt(f"self.{holder} = {style.build(values)}")] if index == 0 else []
                others = part[1]
                if others:
                    new.append(stmt(", ".join(f"self.{a}" for a, _ in others) + " = "
                                    + ", ".join(parsed.code(v) for _, v in others)))
                if new:
                    new[0] = new[0].with_changes(leading_lines=statement.leading_lines)
                    edits.sub(statement, cst.FlattenSentinel(new))
                else:
                    edits.remove(statement)
            if style.kind == "dataclass":
                for definition in style.definition(list(values)):
                    edits.insert_before(parsed.top_level(cls), definition)
        for node in reads.get(reader_path, []):
            edits.sub(node, expr(style.read(f"self.{holder}", node.attr.value,
                                            quoted_in_fstring(reader, node))))
        module = edits.apply(reader.module)
        if reader_path == path:
            module = with_imports(module, list(style.imports))
        result[reader_path] = module.code
    return result


# -- parameters of a signing function ---------------------------------------------------------

def _parameter_sites(modules: dict[str, Parsed]) -> list[Found]:
    found = []
    for path, parsed in modules.items():
        for function, cls in parsed.functions():
            if cls is not None or not signs(parsed, function) or function.asynchronous:
                continue
            positions = credential_params(function)
            if positions is None:
                continue
            local = locals_of(parsed, function)
            names = [function.params.params[i].name.value for i in positions]
            if any(len(local.get(n, [])) != 1 for n in names):
                continue
            sites = call_sites(modules, path, function, None)
            if not sites or any(credential_args(function, s.call, positions) is None for s in sites):
                continue
            found.append(("parameters", path, parsed, (function, positions), sites))
    return found


def _rewrite_parameters(tree: Tree, modules: dict[str, Parsed], site: Found, style: Style,
                        rng: random.Random) -> Tree:
    _, path, parsed, (function, positions), sites = site
    params = function.params.params
    names = [params[i].name.value for i in positions]
    local = locals_of(parsed, function)
    holder = fresh(set(local) | parsed.names, *(("config", "creds") if style.kind == "dict"
                                                 else ("credentials", "creds")))
    fields = {n: credential_role(n) or n for n in names}
    result = dict(tree)
    home_edits = Edits()
    for name in names:
        for read in reads_of(parsed, local[name][0]):
            home_edits.sub(read, expr(style.read(holder, fields[name], quoted_in_fstring(parsed, read))))
    new_param = cst.Param(cst.Name(holder), comma=params[positions[1]].comma)
    new_params = [*params[:positions[0]], new_param, *params[positions[1] + 1:]]

    def with_params(node: cst.FunctionDef) -> cst.FunctionDef:
        return node.with_changes(params=node.params.with_changes(params=new_params))

    home_edits.sub(function, with_params)
    if style.kind == "dataclass":
        for definition in style.definition(list(fields.values())):
            home_edits.insert_before(parsed.top_level(function), definition)
    for site_path in sorted({s.path for s in sites} | {path}):
        user = modules[site_path]
        edits = home_edits if site_path == path else Edits()
        lines: list[str] = list(style.imports) if site_path == path else []
        for call_site in [s for s in sites if s.path == site_path]:
            bound = credential_args(function, call_site.call, positions)
            assert bound is not None  # checked when the site was found
            args, by_keyword = bound
            constructor = style.holder_class
            if style.kind == "dataclass" and site_path != path:
                func = call_site.call.func
                if isinstance(func, cst.Attribute):
                    constructor = f"{user.code(func.value)}.{style.holder_class}"
                else:
                    lines.append(f"from {parsed.name} import {style.holder_class}")
            built = Style(style.kind, constructor).build(
                {fields[names[i]]: user.code(a.value) for i, a in enumerate(args)})
            edits.sub(call_site.call, _merged_call(call_site.call, args, expr(built),
                                              holder if by_keyword else None))
        module = edits.apply(user.module)
        result[site_path] = with_imports(module, lines).code
    return result


def _merged_call(call: cst.Call, args: list[cst.Arg], value: cst.BaseExpression,
                 keyword: str | None) -> Callable[[cst.Call], cst.Call]:
    """The call with its two credential arguments replaced by one."""
    first, second = (call.args.index(a) for a in args)

    def merge(updated: cst.Call) -> cst.Call:
        new = list(updated.args)
        replacement = cst.Arg(value, keyword=cst.Name(keyword) if keyword else None,
                              equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                                    whitespace_after=cst.SimpleWhitespace(""))
                              if keyword else cst.MaybeSentinel.DEFAULT,
                              comma=new[first].comma)
        new[first] = replacement
        del new[second]
        new[-1] = new[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(args=new)

    return merge


# -- environment reads inside functions (creds-settings) -------------------------------------

def _env_sites(modules: dict[str, Parsed]) -> list[Found]:
    found = []
    for path, parsed in modules.items():
        reads = []
        for node in [*parsed.find(cst.Subscript), *parsed.find(cst.Call)]:
            variable = env_read(parsed, node)
            if variable and CREDENTIAL_ENV.search(variable) and parsed.function_of(node) is not None:
                reads.append((node, "consumer_id" if "CONSUMER" in variable else "private_key"))
        codes: dict[str, str] = {}
        for node, role in reads:
            codes.setdefault(role, parsed.code(node))
        if reads and all(parsed.code(n) == codes[r] for n, r in reads):
            found.append(("environment", path, parsed, codes, reads))
    return found


def _rewrite_env(tree: Tree, modules: dict[str, Parsed], site: Found, style: Style,
                 rng: random.Random) -> Tree:
    _, path, parsed, codes, reads = site
    holder = fresh(parsed.names, "settings", "walmart_settings")
    new = _settings_class(style.holder_class, codes, rng)
    new = [new[0].with_changes(leading_lines=[cst.EmptyLine(indent=False)] * 2),
           stmt(f"{holder} = {style.holder_class}()").with_changes(
               leading_lines=[cst.EmptyLine(indent=False)] * 2)]
    edits = Edits()
    for node, role in reads:
        edits.sub(node, expr(f"{holder}.{role}"))
    module = edits.apply(parsed.module)
    index = after_imports(module)
    module = module.with_changes(body=[*module.body[:index], *new, *module.body[index:]])
    return {**tree, path: module.code}


# -- the three refactorings -------------------------------------------------------------------

REWRITERS = {"globals": _rewrite_globals, "attributes": _rewrite_attributes,
             "parameters": _rewrite_parameters, "environment": _rewrite_env}


def _apply(tree: Tree, rng: random.Random, kind: str, kinds: tuple[str, ...]) -> Tree | None:
    modules = parse_tree(tree)
    sites: list[Found] = []
    if "globals" in kinds:
        sites += _globals_sites(modules)
    if "attributes" in kinds:
        sites += _attribute_sites(modules)
    if "parameters" in kinds:
        sites += _parameter_sites(modules)
    if "environment" in kinds:
        sites += _env_sites(modules)
    if not sites:
        return None
    site = rng.choice(sites)
    style = _style(kind, {n for p in modules.values() for n in p.names}, rng)
    return REWRITERS[site[0]](tree, modules, site, style, rng)


def creds_dataclass(tree: Tree, rng: random.Random) -> Tree | None:
    """Hold the credentials in a ``@dataclass`` instance: module globals become one module
    instance, ``__init__``'s attributes one attribute, a signing function's two credential
    parameters one parameter."""
    return _apply(tree, rng, "dataclass", ("globals", "attributes", "parameters"))


def creds_dict(tree: Tree, rng: random.Random) -> Tree | None:
    """Hold the credentials in a dict, read as ``CONFIG["private_key"]``: a module-level
    dict for module globals, a dict attribute for ``__init__``'s attributes, a dict
    parameter for a signing function's credential parameters."""
    return _apply(tree, rng, "dict", ("globals", "attributes", "parameters"))


def creds_settings(tree: Tree, rng: random.Random) -> Tree | None:
    """Hold the credentials in an instance of a settings class whose attributes read
    ``os.environ`` - in place of module globals read from the environment, or of the
    environment reads a function makes."""
    return _apply(tree, rng, "settings", ("globals", "environment"))

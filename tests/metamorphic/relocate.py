"""Signing code moved elsewhere: move-to-module, move-to-mixin, move-to-base."""

from __future__ import annotations

import random
from typing import Any, cast

import libcst as cst

from tests.metamorphic.anatomy import signs
from tests.metamorphic.references import (
    Site,
    base_names,
    call_sites,
    has_any,
    imports_of,
    is_plain_method,
)
from tests.metamorphic.syntax import (
    Edits,
    Parsed,
    Tree,
    bound_names,
    expr,
    fresh,
    package_of,
    parse_tree,
    walk,
    with_imports,
)

MODULE_NAMES = ("request_signing", "signature", "_signer", "legacy_auth", "walmart_signing")
EMPTY = cst.Module([])


def _imports(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.Import, cst.ImportFrom))


def carry(modules: dict[str, Parsed], parsed: Parsed, roots: list[cst.CSTNode],
          keep: cst.CSTNode | None = None) -> tuple[list[cst.BaseStatement], list[str]] | None:
    """What code under ``roots`` needs from its module to live elsewhere: the import lines,
    and the module-level definitions only it uses (moved along). None when it needs a
    definition that other code uses too (or ``keep``, the statement the roots sit in)."""
    moved: list[cst.BaseStatement] = []
    imports: list[str] = []
    pending = list(roots)
    while pending:
        node = pending.pop()
        for assignment in parsed.globals_used(node):
            owner = getattr(assignment, "node", None)
            if owner is None:
                continue
            if _imports(owner):
                line = parsed.import_line(assignment)
                if line not in imports:
                    imports.append(line)
                continue
            statement = parsed.top_level(owner)
            if statement is keep or any(statement is r for r in roots):
                if statement is keep:
                    return None
                continue
            if not any(statement is m for m in moved):
                moved.append(statement)
                pending.append(statement)
    inside = {id(n) for r in [*roots, *moved] for n in walk(r)}
    for statement in moved:
        if has_any(statement, cst.Global) or any(
                isinstance(n, cst.Name) and n.value in ("__name__", "__file__") for n in walk(statement)):
            return None
        for name in bound_names(statement):
            for assignment in parsed.global_assignments(name):
                if any(id(r.node) not in inside for r in assignment.references):
                    return None
            if imported_elsewhere(modules, parsed, name):
                return None
    moved.sort(key=lambda s: parsed.order[id(s)])
    future = [parsed.code(s).strip() for s in parsed.module.body
              if isinstance(s, cst.SimpleStatementLine) and isinstance(s.body[0], cst.ImportFrom)
              and parsed.code(s).startswith("from __future__")]
    return moved, future + sorted(imports, key=lambda line: (not line.startswith("import "), line))


def imported_elsewhere(modules: dict[str, Parsed], home: Parsed, name: str) -> bool:
    for other in modules.values():
        if other is home:
            continue
        for node in other.find(cst.ImportFrom):
            if not isinstance(node.names, cst.ImportStar) and other.absolute(node) == home.name \
                    and any(other.code(a.name) == name for a in node.names):
                return True
        if any(other.qname(n) == f"{home.name}.{name}" for n in other.find(cst.Attribute)):
            return True
    return False


def new_module(imports: list[str], body: list[cst.BaseStatement], docstring: str) -> str:
    lines = [f'"""{docstring}"""', *imports]
    statements = []
    for statement in body:
        blank = 2 if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) else 1
        comments = [c for c in cast(Any, statement).leading_lines if c.comment is not None]
        statements.append(statement.with_changes(
            leading_lines=[cst.EmptyLine(indent=False)] * blank + comments))
    head = "\n".join(lines) + "\n"
    return head + "".join(EMPTY.code_for_node(s) for s in statements)


def module_path(tree: Tree, package: str, rng: random.Random) -> str:
    taken = {p.rsplit("/", 1)[-1][:-3] for p in tree if package_of(p) == package}
    return f"{package}/{fresh(taken, *rng.sample(MODULE_NAMES, len(MODULE_NAMES)))}.py"


def dotted(path: str) -> str:
    return path[:-3].replace("/", ".")


def import_style(rng: random.Random, module: str, name: str, taken: set[str],
                 aliases: tuple[str, ...]) -> tuple[str, cst.BaseExpression]:
    """An import of ``module.name`` and the expression that then names it: plain, ``as`` an
    alias, or through ``import pkg.module as m``."""
    style = rng.choice(("from", "alias", "module"))
    if style == "from" and name not in taken:
        return f"from {module} import {name}", cst.Name(name)
    if style == "module":
        short = fresh(taken, f"{module.rsplit('.', 1)[-1]}_module", "_mod")
        return f"import {module} as {short}", expr(f"{short}.{name}")
    alias = fresh(taken, *aliases)
    return f"from {module} import {name} as {alias}", cst.Name(alias)


# -- move-to-module ---------------------------------------------------------------------------

def move_to_module(tree: Tree, rng: random.Random) -> Tree | None:
    """Move a module-level signing function (with the definitions only it uses) into a new
    module of its package; its users import it - plainly, ``as`` another name, or through
    ``import pkg.module as m``."""
    modules = parse_tree(tree)
    candidates = []
    for path, parsed in modules.items():
        if "/" not in path:
            continue
        for function, cls in parsed.functions():
            if cls is None and signs(parsed, function):
                sites = call_sites(modules, path, function, None)
                carried = carry(modules, parsed, [function])
                if sites is not None and carried is not None and all(
                        s.via == "name" for s in sites):
                    candidates.append((path, parsed, function, sites, carried))
    if not candidates:
        return None
    path, parsed, function, sites, (moved, imports) = rng.choice(candidates)
    name = function.name.value
    target = module_path(tree, package_of(path), rng)
    module = dotted(target)
    result = dict(tree)
    result[target] = new_module(imports, [*moved, function], "Request signing, shared by the API clients.")
    by_path: dict[str, list[Site]] = {}
    for site in sites:
        by_path.setdefault(site.path, []).append(site)
    unused = [(p, n) for p, n in imports_of(modules, parsed, name)
              if not any(s.alias is n for s in sites)]
    for user_path in sorted(set(by_path) | {path} | {p for p, _ in unused}):
        user = modules[user_path]
        edits = Edits()
        lines: list[str] = []
        if user_path == path:
            for statement in [*moved, function]:
                edits.remove(statement)
        user_sites = by_path.get(user_path, [])
        if user_sites:
            line, reference = import_style(rng, module, name, user.names,
                                           ("_sign", "sign_request", "signer"))
            lines.append(line)
            for site in user_sites:
                edits.sub(site.call.func, reference)
            for node in {id(s.alias): s.alias for s in user_sites if s.alias is not None}.values():
                _drop_name(edits, user, node, name)
        for _, node in [u for u in unused if u[0] == user_path]:
            _drop_name(edits, user, node, name)  # an import nothing uses: it would break
        result[user_path] = with_imports(edits.apply(user.module), lines).code
    return result


def _drop_name(edits: Edits, parsed: Parsed, node: cst.ImportFrom, name: str) -> None:
    assert not isinstance(node.names, cst.ImportStar)
    kept = [a for a in node.names if parsed.code(a.name) != name]
    if not kept:
        edits.remove(parsed.statement_of(node))
        return
    edits.sub(node, node.with_changes(
        names=[*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]))


# -- move-to-mixin and move-to-base -----------------------------------------------------------

def signing_methods(parsed: Parsed, cls: cst.ClassDef) -> list[cst.FunctionDef]:
    return [s for s in cls.body.body if isinstance(s, cst.FunctionDef) and is_plain_method(s)
            and not s.name.value.startswith("__") and signs(parsed, s)]


def movable(parsed: Parsed, methods: list[cst.FunctionDef]) -> bool:
    for method in methods:
        for node in walk(method):
            if isinstance(node, cst.Name) and (node.value == "super" or (
                    node.value.startswith("__") and not node.value.endswith("__"))):
                return False
    return True


def local_bases(modules: dict[str, Parsed], cls: cst.ClassDef, parsed: Parsed) -> bool:
    """Whether every base of ``cls`` is a class of the tree without ``__init__``."""
    for base, name in zip(cls.bases, base_names(parsed, cls)):
        if base.keyword is not None or base.star:
            return False
        found = [c for p in modules.values() for c in p.classes() if c.name.value == name]
        if name != "object" and (not found or any(
                isinstance(s, cst.FunctionDef) and s.name.value == "__init__"
                for c in found for s in c.body.body)):
            return False
    return True


def move_to_mixin(tree: Tree, rng: random.Random) -> Tree | None:
    """Move a client class's signing methods to a mixin class in a new module of its
    package; the client inherits the mixin."""
    modules = parse_tree(tree)
    candidates = []
    for path, parsed in modules.items():
        for cls in parsed.classes():
            methods = signing_methods(parsed, cls)
            if "/" in path and methods and movable(parsed, methods) and \
                    len(methods) < len(cls.body.body):
                carried = carry(modules, parsed, list(methods), keep=cls)
                if carried is not None:
                    candidates.append((path, parsed, cls, methods, carried))
    if not candidates:
        return None
    path, parsed, cls, methods, (moved, imports) = rng.choice(candidates)
    name = rng.choice(("SigningMixin", "WalmartSignatureMixin", "LegacyAuthMixin"))
    body = [m.with_changes(leading_lines=[cst.EmptyLine(indent=False)] if i else [])
            for i, m in enumerate(methods)]
    mixin = cst.ClassDef(cst.Name(name), cst.IndentedBlock(body=body))
    return relocate_methods(tree, rng, path, parsed, cls, methods, moved, imports, mixin, first=True,
                     docstring="Signing for the API client.")


def relocate_methods(tree: Tree, rng: random.Random, path: str, parsed: Parsed, cls: cst.ClassDef,
              methods: list[cst.FunctionDef], moved: list[cst.BaseStatement], imports: list[str],
              new_class: cst.ClassDef, first: bool, docstring: str,
              init: cst.FunctionDef | None = None, new_init: cst.FunctionDef | None = None) -> Tree:
    target = module_path(tree, package_of(path), rng)
    result = dict(tree)
    result[target] = new_module(imports, [*moved, new_class], docstring)
    line, reference = import_style(rng, dotted(target), new_class.name.value, parsed.names,
                                   ("_Base", "_Signing", "Signed"))
    edits = Edits()
    for statement in [*moved, *methods]:
        edits.remove(statement)
    if init is not None and new_init is not None:
        edits.sub(init, new_init)
    base = cst.Arg(reference)

    def with_base(node: cst.ClassDef) -> cst.ClassDef:
        bases = [base, *node.bases] if first else [*node.bases, base]
        bases = [b.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                 for b in bases[:-1]] + [bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        return node.with_changes(bases=bases, lpar=cst.LeftParen(), rpar=cst.RightParen())

    edits.sub(cls, with_base)
    result[path] = with_imports(edits.apply(parsed.module), [line]).code
    return result



"""Where the legacy header names live: names-enum, names-class-attr, names-tuple."""

from __future__ import annotations

import random
from typing import Any

import libcst as cst

from tests.metamorphic.anatomy import (
    LEGACY_NAMES,
    MEMBER,
    OTHER_NAMES,
    SHORT,
    header_literals,
    header_name,
    text_of,
)
from tests.metamorphic.references import is_plain_method
from tests.metamorphic.relocate import dotted
from tests.metamorphic.syntax import (
    Edits,
    Parsed,
    Tree,
    after_imports,
    bound_names,
    expr,
    fresh,
    is_docstring,
    package_of,
    parse_tree,
    stmt,
    stmts,
    walk,
    with_imports,
)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _members(literals: list[cst.SimpleString], table: dict[str, str],
             taken: set[str]) -> dict[str, str]:
    """Spelling of each header name found -> the attribute that holds it."""
    members: dict[str, str] = {}
    for literal in literals:
        value = text_of(literal)
        assert value is not None
        if value not in members:
            canonical = header_name(literal, LEGACY_NAMES + OTHER_NAMES)
            assert canonical is not None
            members[value] = fresh(taken | set(members.values()), table[canonical])
    return members


def _chosen_literals(parsed: Parsed, rng: random.Random,
                     within: cst.CSTNode | None = None) -> list[cst.SimpleString]:
    names = LEGACY_NAMES + OTHER_NAMES if rng.random() < .4 else LEGACY_NAMES
    return header_literals(parsed, names, within)


def _module_candidates(tree: Tree) -> list[tuple[str, Parsed]]:
    return [(p, m) for p, m in parse_tree(tree).items()
            if p != "run_case.py" and header_literals(m)]


def _insert_after_imports(module: cst.Module, statements: list[cst.BaseStatement]) -> cst.Module:
    index = after_imports(module)
    return module.with_changes(body=[*module.body[:index], *statements, *module.body[index:]])


# -- names-enum ----------------------------------------------------------------------------

def names_enum(tree: Tree, rng: random.Random) -> Tree | None:
    """Hold the header names in an ``enum.Enum`` (in the module or a new ``headers`` module)
    and use them as ``Header.SIGNATURE.value``."""
    candidates = _module_candidates(tree)
    if not candidates:
        return None
    path, parsed = rng.choice(candidates)
    literals = _chosen_literals(parsed, rng)
    separate = "/" in path and rng.random() < .4
    taken = set(parsed.names)
    cls = fresh(taken, *rng.sample(("Header", "WalmartHeader", "HeaderName"), 3))
    members = _members(literals, MEMBER, set())
    enum_import, enum_base = (("import enum", "enum.Enum") if rng.random() < .5
                              else ("from enum import Enum", "Enum"))
    if not separate and enum_base.split(".")[0] in taken - {"enum"} and enum_base == "Enum":
        enum_import, enum_base = "import enum", "enum.Enum"
    body = "".join(f"    {member} = {_quote(value)}\n" for value, member in members.items())
    definition = f"class {cls}({enum_base}):\n{body}"
    edits = Edits()
    for literal in literals:
        edits.sub(literal, expr(f"{cls}.{members[str(literal.evaluated_value)]}.value"))
    module = edits.apply(parsed.module)
    result = dict(tree)
    if separate:
        siblings = {p.rsplit("/", 1)[-1][:-3] for p in tree}
        target = f"{package_of(path)}/{fresh(siblings, 'headers', 'header_names')}.py"
        result[target] = f'"""Walmart header names."""\n{enum_import}\n\n\n{definition}'
        module = with_imports(module, [f"from {dotted(target)} import {cls}"])
    else:
        if enum_base == "enum.Enum" and "enum" in taken and not any(
                parsed.code(s).strip() == "import enum" for s in parsed.module.body):
            return None
        module = with_imports(module, [enum_import])
        module = _insert_after_imports(module, [_spaced(stmt(definition))])
    result[path] = module.code
    return result


def _spaced(statement: cst.BaseStatement, blank: int = 2) -> cst.BaseStatement:
    return statement.with_changes(leading_lines=[cst.EmptyLine(indent=False)] * blank)


# -- names-class-attr ----------------------------------------------------------------------

def names_class_attr(tree: Tree, rng: random.Random) -> Tree | None:
    """Hold the header names in class attributes: on the client class, used as ``self.SIG``,
    or on a small module-level class, used as ``Names.SIG``."""
    candidates: list[tuple[str, Parsed, cst.ClassDef | None]] = []
    for path, parsed in _module_candidates(tree):
        candidates.append((path, parsed, None))
        for klass in parsed.classes():
            methods = [s for s in klass.body.body
                       if isinstance(s, cst.FunctionDef) and is_plain_method(s)]
            if any(header_literals(parsed, LEGACY_NAMES, m) for m in methods):
                candidates.append((path, parsed, klass))
    if not candidates:
        return None
    path, parsed, cls = rng.choice(candidates)
    taken = set(parsed.names)
    edits = Edits()
    if cls is None:
        found = _chosen_literals(parsed, rng)
        holder = fresh(taken, *rng.sample(("Names", "WalmartHeaders", "Headers"), 3))
        members = _members(found, SHORT, taken)
        for literal in found:
            edits.sub(literal, expr(f"{holder}.{members[str(literal.evaluated_value)]}"))
        body = "".join(f"    {m} = {_quote(v)}\n" for v, m in members.items())
        module = _insert_after_imports(edits.apply(parsed.module),
                                       [_spaced(stmt(f"class {holder}:\n{body}"))])
        return {**tree, path: module.code}
    literals: list[cst.SimpleString] = []
    for method in cls.body.body:
        if isinstance(method, cst.FunctionDef) and is_plain_method(method):
            literals += [lit for lit in _chosen_literals(parsed, rng, method)
                         if parsed.function_of(lit) is method]
    members = _members(literals, SHORT, taken)
    for literal in literals:
        edits.sub(literal, expr(f"self.{members[str(literal.evaluated_value)]}"))
    attributes = [stmt(f"{m} = {_quote(v)}") for v, m in members.items()]

    def with_attributes(node: cst.ClassDef) -> cst.ClassDef:
        body: list[Any] = list(node.body.body)
        index = 1 if body and is_docstring(body[0]) else 0
        following = body[index].with_changes(
            leading_lines=[cst.EmptyLine(indent=False), *body[index].leading_lines])
        return node.with_changes(body=node.body.with_changes(
            body=[*body[:index], *attributes, following, *body[index + 1:]]))

    edits.sub(cls, with_attributes)
    return {**tree, path: edits.apply(parsed.module).code}


# -- names-tuple ---------------------------------------------------------------------------

def _module_constant(parsed: Parsed, node: cst.CSTNode) -> str | None:
    """The header name a module-level expression stands for: a literal, a constant, a class
    attribute or an enum member's ``.value``."""
    literal = header_name(node)
    if literal:
        return literal
    if isinstance(node, cst.Name):
        assignments = parsed.global_assignments(node.value)
        target = getattr(assignments[0], "node", None) if len(assignments) == 1 else None
        holder = parsed.parent(target) if target is not None else None
        assign = parsed.parent(holder) if isinstance(holder, cst.AssignTarget) else None
        if isinstance(assign, cst.Assign) and parsed.scope(assign) is parsed.globals:
            return header_name(assign.value)
        return None
    if isinstance(node, cst.Attribute):
        inner: cst.BaseExpression = node.value
        if node.attr.value == "value" and isinstance(node.value, cst.Attribute):
            inner, member = node.value.value, node.value.attr.value
        elif isinstance(inner, cst.Name):
            member = node.attr.value
        else:
            return None
        if not isinstance(inner, cst.Name):
            return None
        cls = next((c for c in parsed.classes() if c.name.value == inner.value), None)
        for statement in cls.body.body if cls else []:
            if isinstance(statement, cst.SimpleStatementLine) and isinstance(
                    statement.body[0], cst.Assign):
                target = statement.body[0].targets[0].target
                if isinstance(target, cst.Name) and target.value == member:
                    return header_name(statement.body[0].value)
    return None


def _runs(items: list[cst.CSTNode], legacy: list[bool], minimum: int = 2) -> list[tuple[int, int]]:
    runs, start = [], None
    for index, flag in enumerate([*legacy, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            if index - start >= minimum:
                runs.append((start, index))
            start = None
    return runs


def names_tuple(tree: Tree, rng: random.Random) -> Tree | None:
    """Put the legacy header names in a module-level tuple and set them from a tuple of values
    with ``zip``: ``{..., **dict(zip(NAMES, (sig, ts, cid)))}``, ``headers.update(zip(...))``
    or a loop over ``zip(...)`` calling ``add_header``."""
    candidates: list[tuple[Any, ...]] = []
    for path, parsed in parse_tree(tree).items():
        if path == "run_case.py":
            continue
        for node in parsed.find(cst.Dict):
            dict_keys = [e.key if isinstance(e, cst.DictElement) else None for e in node.elements]
            flags = [k is not None and _module_constant(parsed, k) is not None for k in dict_keys]
            for start, end in _runs(list(node.elements), flags):
                candidates.append((path, parsed, "dict", node, (start, end)))
        for block in parsed.find(cst.IndentedBlock):
            lines = list(block.body)
            setters = [_setters(parsed, line) for line in lines]
            for start, end in _runs(lines, [bool(found) for found in setters], minimum=1):
                found = [f for line in setters[start:end] for f in line or []]
                if len(found) >= 2 and len({(f[0], f[3]) for f in found}) == 1:
                    candidates.append((path, parsed, "statements", block, (start, end)))
    if not candidates:
        return None
    path, parsed, kind, node, (start, end) = rng.choice(candidates)
    taken = set(parsed.names)
    names = fresh(taken, *rng.sample(("LEGACY_HEADERS", "SIGNATURE_HEADERS", "AUTH_HEADER_NAMES"), 3))
    edits = Edits()
    if kind == "dict":
        elements = list(node.elements)
        run = elements[start:end]
        keys = [parsed.code(e.key) for e in run]
        values = [parsed.code(e.value) for e in run]
        zipped = f"dict(zip({names}, ({', '.join(values)})))"
        if len(run) == len(elements):
            edits.sub(node, expr(zipped))
        else:
            splat = cst.StarredDictElement(expr(zipped), comma=run[-1].comma)
            edits.sub(node, node.with_changes(
                elements=[*elements[:start], splat, *elements[end:]]))
        roots = {n.value for e in run for n in walk(e.key) if isinstance(n, cst.Name)}
    else:
        lines = list(node.body)[start:end]
        pairs = [f for line in lines for f in _setters(parsed, line) or []]
        target, method = pairs[0][0], pairs[0][3]
        keys = [parsed.code(p[1]) for p in pairs]
        values = [parsed.code(p[2]) for p in pairs]
        if method == "subscript":
            new = [stmt(f"{target}.update(zip({names}, ({', '.join(values)})))")]
        else:
            function_names = {n.value for n in walk(node) if isinstance(n, cst.Name)} | taken
            name = fresh(function_names, "header", "name")
            value = fresh(function_names | {name}, "value")
            new = stmts(f"for {name}, {value} in zip({names}, ({', '.join(values)})):\n"
                        f"    {target}.add_header({name}, {value})\n")
        new[0] = new[0].with_changes(leading_lines=lines[0].leading_lines)
        edits.sub(lines[0], cst.FlattenSentinel(new))
        for line in lines[1:]:
            edits.remove(line)
        roots = {n.value for p in pairs for n in walk(p[1]) if isinstance(n, cst.Name)}
    definition = stmt(f"{names} = ({', '.join(keys)},)" if len(keys) == 1
                      else f"{names} = ({', '.join(keys)})")
    module = edits.apply(parsed.module)
    body = list(module.body)
    index = max([after_imports(module)] + [i + 1 for i, s in enumerate(body) if bound_names(s) & roots])
    spaced = definition.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    if index < len(body) and isinstance(body[index], (cst.FunctionDef, cst.ClassDef)):
        spaced = _spaced(definition)
    module = module.with_changes(body=[*body[:index], spaced, *body[index:]])
    return {**tree, path: module.code}


Setter = tuple[str, cst.BaseExpression, cst.BaseExpression, str]


def _setters(parsed: Parsed, line: cst.CSTNode) -> list[Setter] | None:
    """(target code, key, value, how) for each statement on ``line`` when every one sets a
    legacy header: ``target[key] = value`` or ``target.add_header(key, value)``."""
    if not isinstance(line, cst.SimpleStatementLine):
        return None
    found: list[Setter] = []
    for small in line.body:
        if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(
                small.targets[0].target, cst.Subscript):
            subscript = small.targets[0].target
            if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
                return None
            key = subscript.slice[0].slice.value
            if _module_constant(parsed, key) is None:
                return None
            found.append((parsed.code(subscript.value), key, small.value, "subscript"))
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and isinstance(
                small.value.func, cst.Attribute) and small.value.func.attr.value == "add_header" \
                and len(small.value.args) == 2 and not any(a.keyword for a in small.value.args):
            key = small.value.args[0].value
            if _module_constant(parsed, key) is None:
                return None
            found.append((parsed.code(small.value.func.value), key, small.value.args[1].value,
                          "add_header"))
        else:
            return None
    return found

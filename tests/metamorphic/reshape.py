"""Signing code split into functions: extract-helper and chain-helpers (and the pieces
inline-helper shares)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any, TypeVar, cast

import libcst as cst

from tests.metamorphic.anatomy import is_b64encode, key_loads, sign_calls, signed_strings
from tests.metamorphic.references import (
    has_any,
    is_plain_method,
    locals_of,
    reads_of,
    simple_assign,
)
from tests.metamorphic.syntax import (
    Edits,
    Parsed,
    Tree,
    fresh,
    parenthesized,
    parse_tree,
    stmt,
    walk,
)

EMPTY = cst.Module([])
ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.Integer,
         cst.FormattedString)
CONDITIONAL = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.IfExp,
               cst.BooleanOperation)


def render(node: cst.CSTNode) -> str:
    return EMPTY.code_for_node(node)


def quoted_in_fstring(parsed: Parsed, node: cst.CSTNode) -> str | None:
    """The quote of the f-string ``node`` sits in (code put there must not use it)."""
    for ancestor in parsed.ancestors(node):
        if isinstance(ancestor, cst.FormattedString):
            return ancestor.start[-1]
    return None


def holes(parsed: Parsed, node: cst.CSTNode, explicit: list[cst.CSTNode],
          keep_self: bool) -> list[cst.CSTNode]:
    """Sub-expressions of ``node`` that a helper takes as arguments: the explicit ones, then
    every read of a local or of ``self.<attribute>`` left."""
    covered = {id(n) for h in explicit for n in walk(h)}
    inside = {id(n) for n in parsed.walk(node)}
    found = list(explicit)
    for n in parsed.walk(node):
        if id(n) in covered:
            continue
        if (not keep_self and isinstance(n, cst.Attribute) and isinstance(n.value, cst.Name)
                and n.value.value == "self" and parsed.is_local(n.value, inside)):
            found.append(n)
            covered.update(id(m) for m in walk(n))
        elif isinstance(n, cst.Name) and parsed.is_local(n, inside) and not (
                keep_self and n.value == "self"):
            found.append(n)
    return found


def param_names(parsed: Parsed, node: cst.CSTNode, found: list[cst.CSTNode]) -> dict[str, str]:
    """Hole code -> parameter name."""
    covered = {id(n) for h in found for n in walk(h)}
    taken = {n.value for n in walk(node) if isinstance(n, cst.Name) and id(n) not in covered}
    taken |= {"self"}
    names: dict[str, str] = {}
    for hole in found:
        code = parsed.code(hole)
        if code in names:
            continue
        base = (hole.value if isinstance(hole, cst.Name)
                else hole.attr.value if isinstance(hole, cst.Attribute) else "raw")
        names[code] = fresh(taken, base)
        taken.add(names[code])
    return names


def function_node(name: str, params: list[str], body: list[cst.BaseStatement],
                  method: bool) -> cst.FunctionDef:
    shell = stmt(f"def {name}({', '.join(params)}):\n    pass\n")
    assert isinstance(shell, cst.FunctionDef)
    lines = [cst.EmptyLine(indent=False)] * (1 if method else 2)
    return shell.with_changes(body=shell.body.with_changes(body=body), leading_lines=lines)


Node = TypeVar("Node", bound=cst.CSTNode)


def substituted(node: Node, mapping: Mapping[int, cst.CSTNode]) -> Node:
    """``node`` with the nodes whose ids are keys replaced."""
    edits = Edits()
    for key, new in mapping.items():
        edits.replace[key] = new
    return cast(Node, node.visit(edits))


def _place(edits: Edits, parsed: Parsed, function: cst.FunctionDef, method: bool,
           helper: cst.FunctionDef, before: bool) -> None:
    anchor = function if method else parsed.top_level(function)
    if before and not method:
        edits.insert_before(anchor, helper)
    else:
        edits.insert_after(anchor, helper)


def _done(tree: Tree, path: str, parsed: Parsed, edits: Edits) -> Tree:
    return {**tree, path: edits.apply(parsed.module).code}


# -- extract-helper -----------------------------------------------------------------------

HELPER_NAMES = {
    "string": ("_string_to_sign", "_canonical_request", "signing_text", "_message_for"),
    "key": ("_load_key", "_private_key_object", "load_signing_key", "_rsa_key"),
    "b64": ("_b64", "_encode_signature", "to_base64", "_as_text"),
}


def _only_return(function: cst.FunctionDef, node: cst.CSTNode) -> bool:
    body = function.body.body
    return (len(body) == 1 and isinstance(body[0], cst.SimpleStatementLine)
            and isinstance(body[0].body[0], cst.Return) and body[0].body[0].value is node)


def extract_helper(tree: Tree, rng: random.Random) -> Tree | None:
    """Move one part of the signing - the signed string, the key load or the base64 step -
    into a new function (or method), called where the part was."""
    candidates = []
    for path, parsed in parse_tree(tree).items():
        for function, cls in parsed.functions():
            parts: list[tuple[str, cst.CSTNode, list[cst.CSTNode]]] = []
            for signed in signed_strings(parsed, function):
                node: cst.CSTNode = signed.node
                parent, grand = parsed.parent(node), parsed.parent(parsed.parent(node) or node)
                if (isinstance(parent, cst.Attribute) and parent.attr.value == "encode"
                        and isinstance(grand, cst.Call) and grand.func is parent and rng.random() < .5):
                    node = grand
                parts.append(("string", node, [f for f in signed.fields if not isinstance(f, str)]))
            parts += [("key", call, []) for call in key_loads(parsed, function)]
            for call in parsed.find(cst.Call, function):
                if is_b64encode(parsed, call) and len(call.args) == 1:
                    parent, grand = parsed.parent(call), parsed.parent(parsed.parent(call) or call)
                    whole = grand if (isinstance(parent, cst.Attribute) and parent.attr.value == "decode"
                                      and isinstance(grand, cst.Call)) else call
                    parts.append(("b64", whole, [call.args[0].value]))
            for kind, node, explicit in parts:
                if not _only_return(function, node) and not has_any(node, cst.Await, cst.Yield):
                    candidates.append((path, parsed, function, cls, kind, node, explicit))
    if not candidates:
        return None
    path, parsed, function, cls, kind, node, explicit = rng.choice(candidates)
    method = cls is not None and is_plain_method(function) and rng.random() < .5
    if method:
        explicit = [e for e in explicit if not (isinstance(e, cst.Attribute) and isinstance(
            e.value, cst.Name) and e.value.value == "self")]
    found = holes(parsed, node, explicit, keep_self=method)
    params = param_names(parsed, node, found)
    name = fresh(parsed.names, *rng.sample(HELPER_NAMES[kind], len(HELPER_NAMES[kind])))
    body_expr = substituted(node, {id(h): cst.Name(params[parsed.code(h)]) for h in found})
    assert isinstance(body_expr, cst.BaseExpression)
    if "\n" in render(body_expr):
        body_expr = parenthesized(body_expr)
    helper = function_node(name, (["self"] if method else []) + list(params.values()),
                           [cst.SimpleStatementLine([cst.Return(body_expr)])], method)
    arguments = ", ".join(params)
    call = cst.parse_expression(f"{'self.' if method else ''}{name}({arguments})")
    edits = Edits()
    edits.sub(node, call)
    _place(edits, parsed, function, method, helper, before=True)
    return _done(tree, path, parsed, edits)


# -- chain-helpers --------------------------------------------------------------------------

def chain_helpers(tree: Tree, rng: random.Random) -> Tree | None:
    """Split a signing function in two: the first builds the data and calls the second,
    which loads the key and signs the bytes; only the second touches the key."""
    candidates = []
    for path, parsed in parse_tree(tree).items():
        for function, cls in parsed.functions():
            calls = sign_calls(parsed, function)
            if len(calls) == 1:
                plan = _chain_plan(parsed, function, cls, calls[0], rng)
                if plan is not None:
                    candidates.append((path, parsed, plan))
    if not candidates:
        return None
    path, parsed, plan = rng.choice(candidates)
    return {**tree, path: plan.apply(parsed.module).code}


def _chain_plan(parsed: Parsed, function: cst.FunctionDef, cls: cst.ClassDef | None, signing: Any,
                rng: random.Random) -> Edits | None:
    body = [s for s in function.body.body if isinstance(s, cst.BaseStatement)]
    statement = parsed.statement_of(signing.call)
    if statement not in body or function.asynchronous:
        return None
    local = locals_of(parsed, function)
    definitions: dict[str, cst.BaseStatement] = {}
    for s in body:
        assigned = simple_assign(s)
        if assigned and len(local.get(assigned[0], [])) == 1:
            definitions[assigned[0]] = s
    # The key's slice: the statements that make the key, and nothing else reads.
    chosen: list[cst.BaseStatement] = []
    pending: list[cst.CSTNode] = [signing.key] if isinstance(signing.key, cst.Name) else []
    while pending:
        needed = pending.pop()
        if not isinstance(needed, cst.Name) or needed.value not in definitions:
            if isinstance(needed, cst.Name) and needed is signing.key:
                return None
            continue
        s = definitions[needed.value]
        if s not in chosen:
            chosen.append(s)
            value = simple_assign(s)[1]  # type: ignore[index]
            pending.extend(n for n in walk(value) if isinstance(n, cst.Name)
                           and n.value in definitions and parsed.is_local(n))
    chosen.sort(key=body.index)
    made = {simple_assign(s)[0] for s in chosen}  # type: ignore[index]
    allowed = {id(n) for s in chosen for n in walk(s)} | {id(n) for n in walk(signing.key)}
    for made_name in made:
        for a in local[made_name]:
            if any(id(r) not in allowed for r in reads_of(parsed, a)):
                return None
    data: cst.BaseExpression = signing.data
    digest_statement = None
    rebuild = None  # pycryptodome: the hash is made in the signer from the bytes
    if signing.kind == "pycryptodome":
        digest: cst.BaseExpression = data
        if isinstance(data, cst.Name) and data.value in definitions:
            digest_statement = definitions[data.value]
            digest = simple_assign(digest_statement)[1]  # type: ignore[index]
            between = body[body.index(digest_statement) + 1: body.index(statement)]
            read = {n.value for n in walk(digest) if isinstance(n, cst.Name)}
            if (any(r is not data for a in local[data.value] for r in reads_of(parsed, a))
                    or read & {t for s in between for t in _assigned(s)}):
                digest_statement = None
        if (isinstance(digest, cst.Call) and len(digest.args) == 1
                and (parsed.qname(digest.func) or "").startswith("Crypto.Hash.")
                and (digest_statement is not None or digest is data)):
            rebuild = digest
            data = digest.args[0].value
        else:
            digest_statement = None
    method = cls is not None and is_plain_method(function) and rng.random() < .5
    scope_node = cst.IndentedBlock(body=chosen) if chosen else signing.key
    explicit = [] if chosen else [signing.key]
    found = []
    for s in chosen:
        found += holes(parsed, s, [], keep_self=method)
    if not chosen:
        found = holes(parsed, signing.key, explicit, keep_self=method)
    found = [h for h in found if not (isinstance(h, cst.Name) and h.value in made)]
    params = param_names(parsed, scope_node if chosen else signing.key, found)
    data_name = fresh(set(params.values()) | made | parsed.names, "data", "payload", "message")
    name = fresh(parsed.names, *rng.sample(("_sign_bytes", "_rsa_sign", "sign_data", "_signature_of"), 4))
    mapping: dict[int, cst.CSTNode] = {id(h): cst.Name(params[parsed.code(h)]) for h in found}
    new_chosen = [substituted(s, mapping) for s in chosen]
    sign_mapping: dict[int, cst.CSTNode] = dict(mapping)
    if rebuild is not None:
        new_digest = substituted(rebuild, {id(rebuild.args[0].value): cst.Name(data_name)})
        sign_mapping[id(signing.data)] = new_digest
    else:
        sign_mapping[id(signing.data)] = cst.Name(data_name)
    signed = substituted(signing.call, sign_mapping)
    helper = function_node(name, (["self"] if method else []) + list(params.values()) + [data_name],
                           [*new_chosen, cst.SimpleStatementLine([cst.Return(signed)])], method)
    arguments = [*params, render(data)]
    call = cst.parse_expression(f"{'self.' if method else ''}{name}({', '.join(arguments)})")
    edits = Edits()
    for s in chosen:
        edits.remove(s)
    if digest_statement is not None:
        edits.remove(digest_statement)
    edits.sub(signing.call, call)
    _place(edits, parsed, function, method, helper, before=False)
    return edits


def _assigned(statement: cst.CSTNode) -> set[str]:
    found = set()
    for node in walk(statement):
        if isinstance(node, cst.AssignTarget):
            found |= {n.value for n in walk(node.target) if isinstance(n, cst.Name)}
    return found

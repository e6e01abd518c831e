"""The same signing written differently: alias-imports, string-building, digest-updates."""

from __future__ import annotations

import random
from typing import Any

import libcst as cst

from tests.metamorphic.anatomy import field_codes, render, sign_calls, signed_strings
from tests.metamorphic.relocate import imported_elsewhere
from tests.metamorphic.reshape import CONDITIONAL
from tests.metamorphic.syntax import (
    Edits,
    Parsed,
    Tree,
    alias_name,
    expr,
    fresh,
    is_import,
    parenthesized,
    parse_tree,
    stmt,
    with_imports,
)

ALIASES = {
    "base64": ("b64", "_b64"), "time": ("t", "_time"), "uuid": ("_uuid", "uid"),
    "hashes": ("h", "_hashes"), "padding": ("pad", "_padding"), "serialization": ("ser", "_ser"),
    "SHA256": ("sha", "SHA"), "RSA": ("RSAKey", "_RSA"), "PKCS1_v1_5": ("pkcs1", "PKCS"),
    "rsa": ("_rsa", "rsa_lib"), "crypt": ("gcrypt", "google_crypt"), "hmac": ("_hmac", "hm"),
    "hashlib": ("hl", "_hashlib"), "subprocess": ("sp", "_subprocess"), "requests": ("http",),
    "load_pem_private_key": ("load_key", "_load_pem"), "httpx": ("_httpx",), "os": ("_os",),
}


# -- alias-imports ----------------------------------------------------------------------------

def alias_imports(tree: Tree, rng: random.Random) -> Tree | None:
    """Import some of a module's names under other names (``import base64 as b64``,
    ``from Crypto.Hash import SHA256 as sha``, ``from ... import hashes as h``) and use them."""
    modules = parse_tree(tree)
    by_module = []
    for path, parsed in modules.items():
        if path == "run_case.py":
            continue
        choices = []
        for statement in parsed.module.body:
            if not (is_import(statement) and isinstance(statement, cst.SimpleStatementLine)):
                continue
            for small in statement.body:
                if not isinstance(small, (cst.Import, cst.ImportFrom)) or isinstance(
                        small.names, cst.ImportStar):
                    continue
                if isinstance(small, cst.ImportFrom) and (
                        isinstance(small.names, cst.ImportStar) or parsed.code(small).startswith(
                            "from __future__")):
                    continue
                for alias in small.names:
                    name = alias_name(alias)
                    if alias.asname is not None or parsed.code(alias.name) != name or (
                            name not in ALIASES and not isinstance(small, cst.ImportFrom)):
                        continue
                    assignments = parsed.global_assignments(name)
                    if len(assignments) == 1 and assignments[0].references and \
                            not imported_elsewhere(modules, parsed, name):
                        choices.append((alias, assignments[0]))
        if choices:
            by_module.append((path, parsed, choices))
    if not by_module:
        return None
    path, parsed, choices = rng.choice(by_module)
    chosen = rng.sample(choices, min(len(choices), rng.choice((1, 2, 3))))
    taken = set(parsed.names)
    edits = Edits()
    for alias, assignment in chosen:
        name = assignment.name
        new = fresh(taken, *ALIASES.get(name, ()), f"_{name}")
        taken.add(new)
        edits.sub(alias, alias.with_changes(asname=cst.AsName(cst.Name(new))))
        for reference in assignment.references:
            edits.sub(reference.node, cst.Name(new))
    return {**tree, path: edits.apply(parsed.module).code}


# -- string-building --------------------------------------------------------------------------

FORMS = ("f-string", "percent", "format", "plus", "join")
BARE_OK = (cst.Assign, cst.AnnAssign, cst.Return, cst.Arg, cst.Element, cst.DictElement)


def string_building(tree: Tree, rng: random.Random) -> Tree | None:
    """Write the signed string another way: an f-string, ``%``, ``.format``, ``+``, or
    ``"\\n".join([...]) + "\\n"``."""
    candidates = []
    for path, parsed in parse_tree(tree).items():
        for signed in signed_strings(parsed):
            codes = field_codes(parsed, signed)
            forms = [f for f in FORMS if f != signed.form and render(codes, f) is not None]
            if forms:
                candidates.append((path, parsed, signed, codes, forms))
    if not candidates:
        return None
    path, parsed, signed, codes, forms = rng.choice(candidates)
    code = render(codes, rng.choice(forms))
    assert code is not None
    new = expr(code)
    node = signed.node
    if node.lpar:
        new = new.with_changes(lpar=node.lpar, rpar=node.rpar)
    elif isinstance(new, cst.BinaryOperation) and not isinstance(parsed.parent(node), BARE_OK):
        new = parenthesized(new)
    edits = Edits()
    edits.sub(node, new)
    return {**tree, path: edits.apply(parsed.module).code}


# -- digest-updates ---------------------------------------------------------------------------

def _hoistable(parsed: Parsed, node: cst.CSTNode) -> cst.SimpleStatementLine | None:
    statement = parsed.statement_of(node)
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    for ancestor in parsed.ancestors(node):
        if ancestor is statement:
            return statement
        if isinstance(ancestor, CONDITIONAL):
            return None
    return None


def digest_updates(tree: Tree, rng: random.Random) -> Tree | None:
    """Hash the signed bytes in steps and sign the digest: pycryptodome
    ``h = SHA256.new(); h.update(data); signer.sign(h)``; cryptography ``hashes.Hash`` then
    ``Prehashed``; the ``rsa`` package's ``compute_hash`` then ``sign_hash``. PKCS#1 v1.5 is
    deterministic, so each signs the very same bytes (tests prove it)."""
    candidates: list[tuple[Any, ...]] = []
    for path, parsed in parse_tree(tree).items():
        for signing in sign_calls(parsed):
            data = signing.data
            if signing.kind == "pycryptodome" and isinstance(data, cst.Call) and len(data.args) == 1 \
                    and (parsed.qname(data.func) or "").startswith("Crypto.Hash."):
                candidates.append((path, parsed, signing, data))
            elif signing.kind == "pycryptodome" and isinstance(data, cst.Name):
                for assignment in parsed.referents(data):
                    value = getattr(parsed.parent(parsed.parent(assignment.node) or data), "value", None) \
                        if hasattr(assignment, "node") else None
                    if isinstance(value, cst.Call) and len(value.args) == 1 and (
                            parsed.qname(value.func) or "").startswith("Crypto.Hash."):
                        candidates.append((path, parsed, signing, value))
            elif signing.kind == "cryptography":
                hasher = signing.call.args[2].value
                if isinstance(hasher, cst.Call) and (parsed.qname(hasher.func) or "").endswith(
                        "hashes.SHA256") and isinstance(hasher.func, cst.Attribute):
                    candidates.append((path, parsed, signing, hasher))
            elif signing.kind == "rsa":
                candidates.append((path, parsed, signing, None))
    candidates = [c for c in candidates if c[2].kind == "rsa" or _hoistable(c[1], c[3]) is not None]
    if not candidates:
        return None
    path, parsed, signing, node = rng.choice(candidates)
    edits = Edits()
    imports: list[str] = []
    if signing.kind == "rsa":
        module = parsed.code(signing.call.func).rsplit(".", 1)[0]
        message, key, method = (parsed.code(a.value) for a in signing.call.args)
        edits.sub(signing.call, expr(
            f"{module}.sign_hash({module}.compute_hash({message}, {method}), {key}, {method})"))
        return {**tree, path: edits.apply(parsed.module).code}
    statement = _hoistable(parsed, node)
    assert statement is not None
    taken = parsed.names
    name = fresh(taken, *rng.sample(("digest", "hasher", "h", "sha"), 4))
    if signing.kind == "pycryptodome":
        constructor = parsed.code(node.func)
        data_code = parsed.code(node.args[0].value)
        assigned = statement.body[0]
        if isinstance(assigned, cst.Assign) and assigned.value is node and len(assigned.targets) == 1 \
                and isinstance(assigned.targets[0].target, cst.Name):
            target = assigned.targets[0].target.value
            edits.sub(statement, cst.FlattenSentinel([
                stmt(f"{target} = {constructor}()").with_changes(leading_lines=statement.leading_lines),
                stmt(f"{target}.update({data_code})")]))
        else:
            edits.insert_before(statement, stmt(f"{name} = {constructor}()"),
                                stmt(f"{name}.update({data_code})"))
            edits.sub(node, cst.Name(name))
    else:
        assert isinstance(node.func, cst.Attribute)
        module = parsed.code(node.func.value)
        prehashed = fresh(taken | {name}, "Prehashed", "_Prehashed")
        imports.append("from cryptography.hazmat.primitives.asymmetric.utils import Prehashed"
                       + ("" if prehashed == "Prehashed" else f" as {prehashed}"))
        data_code = parsed.code(signing.data)
        edits.insert_before(statement, stmt(f"{name} = {module}.Hash({parsed.code(node)})"),
                            stmt(f"{name}.update({data_code})"))
        padding_code = parsed.code(signing.call.args[1].value)
        edits.sub(signing.call, expr(f"{parsed.code(signing.key)}.sign({name}.finalize(), "
                                     f"{padding_code}, {prehashed}({parsed.code(node)}))"))
    return {**tree, path: with_imports(edits.apply(parsed.module), imports).code}

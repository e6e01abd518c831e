"""Recognise legacy signature computations in every common style (spec section 1):
cryptography, pycryptodome/pycrypto, the rsa package, google-auth's RSASigner, the
DigitalSignatureUtil jar - and tell them from look-alikes built on hashlib or hmac."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from codemods.flow.exprs import FunctionScope, dotted, flatten_add, iter_calls, literal_string

__all__ = ["Signing", "find_signing", "signed_parts"]

_JAR = "DigitalSignatureUtil"


@dataclass
class Signing:
    kind: str  # "rsa", "jar" or "fake"
    style: str
    call: cst.Call  # the call that produces the signature
    parts: list[cst.BaseExpression] | None  # consumer id, url, method, timestamp
    key: cst.BaseExpression | None


def _ends(node: cst.CSTNode, *suffixes: str) -> bool:
    name = dotted(node) or ""
    return any(name == s or name.endswith("." + s) for s in suffixes)


def _resolve(node: cst.BaseExpression, scope: FunctionScope) -> cst.BaseExpression:
    """A local name's single assigned value, followed a few steps."""
    for _ in range(4):
        if isinstance(node, cst.Name) and node.value in scope.locals:
            node = scope.locals[node.value]
        else:
            break
    return node


def _strip_encode(node: cst.BaseExpression, scope: FunctionScope) -> cst.BaseExpression:
    for _ in range(6):
        node = _resolve(node, scope)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and \
                node.func.attr.value in ("encode", "decode"):
            node = node.func.value
        elif isinstance(node, cst.Call) and dotted(node.func) in ("bytes", "str") and node.args:
            node = node.args[0].value
        else:
            break
    return node


def signed_parts(data: cst.BaseExpression, scope: FunctionScope) -> list[cst.BaseExpression] | None:
    """The four fields of ``consumerId\\nurl\\nMETHOD\\ntimestamp\\n``, however it was built."""
    node = _strip_encode(data, scope)
    parts: list[cst.BaseExpression] = []
    if isinstance(node, cst.FormattedString):
        parts = [p.expression for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
    elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        pieces = flatten_add(node)
        if len(pieces) == 2 and isinstance(pieces[0], cst.Call):  # "\n".join([...]) + "\n"
            return signed_parts(pieces[0], scope)
        parts = [p for p in pieces if literal_string(p) is None]
    elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        right = _resolve(node.right, scope)
        if isinstance(right, cst.Tuple):
            parts = [e.value for e in right.elements]
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        owner = literal_string(node.func.value)
        if owner is not None and node.func.attr.value == "join" and node.args:
            items = _resolve(node.args[0].value, scope)
            if isinstance(items, (cst.List, cst.Tuple)):
                parts = [e.value for e in items.elements]
        elif owner is not None and node.func.attr.value == "format":
            parts = [a.value for a in node.args]
    return parts if len(parts) == 4 else None


def _key_of(loader: cst.BaseExpression, scope: FunctionScope, *names: str) -> cst.BaseExpression | None:
    loader = _resolve(loader, scope)
    if isinstance(loader, cst.Call) and _ends(loader.func, *names) and loader.args:
        return loader.args[0].value
    return None


def _cryptography(call: cst.Call, scope: FunctionScope) -> Signing | None:
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "sign"):
        return None
    if not any(isinstance(a.value, cst.Call) and _ends(a.value.func, "PKCS1v15") for a in call.args):
        return None
    key = _key_of(call.func.value, scope, "load_pem_private_key", "load_der_private_key")
    data = call.args[0].value if call.args else None
    return Signing("rsa", "cryptography", call, signed_parts(data, scope) if data else None, key)


def _pycryptodome(call: cst.Call, scope: FunctionScope) -> Signing | None:
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "sign" and call.args):
        return None
    signer = _resolve(call.func.value, scope)
    if not (isinstance(signer, cst.Call) and _ends(signer.func, "PKCS1_v1_5.new", "pkcs1_15.new")):
        return None
    key = _key_of(signer.args[0].value, scope, "importKey", "import_key") if signer.args else None
    digest = _resolve(call.args[0].value, scope)
    data = digest.args[0].value if isinstance(digest, cst.Call) and \
        _ends(digest.func, "SHA256.new") and digest.args else None
    return Signing("rsa", "pycryptodome", call, signed_parts(data, scope) if data else None, key)


def _rsa_package(call: cst.Call, scope: FunctionScope) -> Signing | None:
    if not (dotted(call.func) == "rsa.sign" and len(call.args) >= 2):
        return None
    key = _key_of(call.args[1].value, scope, "load_pkcs1", "load_pkcs1_der")
    return Signing("rsa", "rsa", call, signed_parts(call.args[0].value, scope), key)


def _google_auth(call: cst.Call, scope: FunctionScope) -> Signing | None:
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "sign" and call.args):
        return None
    signer = _resolve(call.func.value, scope)
    if not (isinstance(signer, cst.Call) and _ends(signer.func, "RSASigner.from_string")):
        return None
    key = signer.args[0].value if signer.args else None
    return Signing("rsa", "google-auth", call, signed_parts(call.args[0].value, scope), key)


def _jar(call: cst.Call, scope: FunctionScope) -> Signing | None:
    if not call.args:
        return None
    command = _resolve(call.args[0].value, scope)
    elements: list[cst.BaseExpression] = []
    if isinstance(command, (cst.List, cst.Tuple)):
        elements = [e.value for e in command.elements]
        texts = [literal_string(e) for e in elements]
        if not any(t and _JAR in t for t in texts):
            return None
        start = next((i for i, t in enumerate(texts) if t == _JAR), None)
        fields = elements[start + 1:start + 5] if start is not None else []
    elif isinstance(command, cst.FormattedString):
        text = "".join(p.value for p in command.parts if isinstance(p, cst.FormattedStringText))
        if _JAR not in text:
            return None
        fields = [p.expression for p in command.parts
                  if isinstance(p, cst.FormattedStringExpression)][:4]
    else:
        return None
    if len(fields) != 4:
        return Signing("rsa", "jar", call, None, None)
    url, consumer, key, method = fields
    return Signing("rsa", "jar", call, [consumer, url, method, cst.Name("None")], key)


def _fake(call: cst.Call, scope: FunctionScope) -> Signing | None:
    if _ends(call.func, "hmac.new", "hmac.HMAC"):
        key = call.args[0].value if call.args else None
        data = call.args[1].value if len(call.args) > 1 else None
        return Signing("fake", "hmac", call, signed_parts(data, scope) if data else None, key)
    if _ends(call.func, "hashlib.sha256", "hashlib.sha1", "hashlib.md5", "hashlib.new"):
        data = call.args[-1].value if call.args else None
        return Signing("fake", "hashlib", call, signed_parts(data, scope) if data else None, None)
    return None


def find_signing(body: cst.CSTNode, scope: FunctionScope) -> Signing | None:
    """The signature computed in ``body`` (not in nested functions), RSA and jar first."""
    calls = list(iter_calls(body))
    for recogniser in (_jar, _cryptography, _pycryptodome, _rsa_package, _google_auth):
        for call in calls:
            found = recogniser(call, scope)
            if found:
                return found
    for call in calls:
        found = _fake(call, scope)
        if found:
            return found
    return None

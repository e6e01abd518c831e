"""Where a site's signature value comes from: a signing helper (here or in another module),
signing done inline in the same function, or something that cannot be migrated safely."""

from __future__ import annotations

from typing import Any

import libcst as cst

from codemods.flow.exprs import FunctionScope, code, dotted, literal_string
from codemods.flow.facts import SiteFacts
from codemods.flow.signing import find_signing

__all__ = ["trace_signature"]

_ENCODERS = {"base64.b64encode", "b64encode", "base64.standard_b64encode", "str"}


def _record_call(call: cst.Call, scope: FunctionScope, facts: SiteFacts) -> None:
    for index, arg in enumerate(call.args):
        key = arg.keyword.value if arg.keyword else str(index)
        facts.call_args[key] = code(arg.value)
        facts.call_credentials[key] = scope.credential(arg.value)


def _inline(signing: Any, scope: FunctionScope, facts: SiteFacts) -> None:
    facts.signature = ("inline", signing.kind)
    parts = signing.parts or []
    if len(parts) == 4:
        facts.call_args["<url>"] = code(parts[1])
        facts.call_args["<method>"] = code(parts[2])
        method = parts[2]
        facts.signed_method = literal_string(method)
        if isinstance(method, cst.Name) and method.value in scope.params:
            facts.method_param = method.value
        if facts.consumer is None:
            facts.consumer = scope.credential(parts[0])
    if signing.key is not None:
        facts.call_credentials["<key>"] = scope.credential(signing.key)
    if parts:
        facts.call_credentials["<consumer>"] = scope.credential(parts[0])


def trace_signature(value: cst.BaseExpression, scope: FunctionScope, resolver: Any,
                    facts: SiteFacts) -> None:
    """Fill ``facts.signature`` and what the plan needs to check and rewrite the site."""
    node, index = value, None
    for _ in range(8):
        if isinstance(node, cst.Call):
            signing = find_signing(node, scope)
            if signing is not None:
                _inline(signing, scope, facts)
                facts.signing_call = resolver.position(signing.call)
                return
            name = dotted(node.func) or ""
            if name in _ENCODERS and node.args:
                node = node.args[0].value
                continue
            if isinstance(node.func, cst.Attribute) and \
                    node.func.attr.value in ("decode", "strip", "hexdigest", "digest", "hex"):
                node = node.func.value
                continue
            callee = resolver.resolve_callee(node.func)
            if callee is not None:
                facts.signature = ("helper", callee)
                facts.unpack_index = index
                facts.signing_call = resolver.position(node)
                _record_call(node, scope, facts)
                return
            facts.signature = ("unknown", f"the signature comes from {code(node.func)}(...), "
                                          "which is not a signing helper of this repository")
            return
        if isinstance(node, cst.Name):
            name = node.value
            if name in scope.locals:
                node = scope.locals[name]
                continue
            if name in scope.unpacked:
                node, index = scope.unpacked[name]
                continue
            if name in scope.params:
                facts.signature = ("unknown", f"the signature arrives as the parameter {name!r}; "
                                              "its caller signs, which cannot be followed safely")
                return
            facts.signature = ("cached", f"{name!r} holds a signature computed once and reused "
                                         "across requests")
            return
        if isinstance(node, cst.Attribute):
            facts.signature = ("cached", f"{code(node)} holds a signature computed once and reused "
                                         "across requests")
            return
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and \
                len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            element = node.slice[0].slice.value
            if isinstance(element, cst.Integer):
                index = int(element.value)
                node = node.value
                continue
        break
    facts.signature = ("unknown", f"cannot tell how {code(value)} is computed")

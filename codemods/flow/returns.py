"""Which of a signing helper's return values is the signature, and which the timestamp."""

from __future__ import annotations

import libcst as cst

from codemods.flow.signing import Signing

__all__ = ["returned_positions"]


def _tainted_names(function: cst.FunctionDef, signing: Signing) -> set[str]:
    """Names whose value derives from the signing call (jar output lines included)."""
    tainted: set[str] = set()

    def touches(node: cst.CSTNode) -> bool:
        stack = [node]
        while stack:
            current = stack.pop()
            if current is signing.call or (isinstance(current, cst.Name) and current.value in tainted):
                return True
            stack.extend(current.children)
        return False

    for _ in range(3):  # a few rounds reach names assigned inside loops
        for node in _walk(function.body):
            if isinstance(node, cst.Assign) and touches(node.value):
                for target in node.targets:
                    tainted.update(_names(target.target))
            elif isinstance(node, cst.For) and touches(node.iter):
                tainted.update(_names(node.target))
    return tainted


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(c for c in reversed(current.children)
                     if not isinstance(c, (cst.FunctionDef, cst.ClassDef, cst.Lambda)))
    return found


def _names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for e in target.elements for n in _names(e.value)}
    return set()


def _is_timestamp(name: str) -> bool:
    lowered = name.lower()
    return "time" in lowered or "stamp" in lowered or lowered in ("ts", "t")


def returned_positions(function: cst.FunctionDef, signing: Signing) -> tuple[int | None, int | None]:
    """(signature index, timestamp index) for helpers returning a tuple; (None, None) else."""
    returns = [n for n in _walk(function.body) if isinstance(n, cst.Return) and n.value is not None]
    tuples = [r.value for r in returns if isinstance(r.value, cst.Tuple)]
    if not tuples:
        return None, None
    elements = [e.value for e in tuples[0].elements]
    tainted = _tainted_names(function, signing)
    names = [e.value if isinstance(e, cst.Name) else "" for e in elements]
    timestamp = next((i for i, n in enumerate(names) if n and _is_timestamp(n)), None)
    signature = next((i for i, n in enumerate(names) if n in tainted and i != timestamp), None)
    if signature is None:
        signature = next((i for i, n in enumerate(names) if "sig" in n.lower()), None)
    return signature, timestamp

"""Small readers of LibCST expressions: literal strings, environment reads, dotted names,
and where a value comes from inside one function."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import libcst as cst

from codemods.flow.facts import Credential

__all__ = [
    "FunctionScope",
    "code",
    "dotted",
    "env_literal",
    "env_variable",
    "flatten_add",
    "iter_calls",
    "literal_string",
    "unwrap_credential",
]

_EMPTY = cst.Module(body=[])
_ENV_GETTERS = {"os.getenv", "getenv", "os.environ.get", "environ.get"}
_ENV_MAPPINGS = {"os.environ", "environ"}
# Calls that leave a credential as it was, only changing its type or framing.
_PASS_METHODS = {"encode", "decode", "strip"}
_PASS_FUNCTIONS = {"str", "bytes", "b64decode", "base64.b64decode", "base64.standard_b64decode",
                   "textwrap.dedent", "dedent"}


def code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def literal_string(node: cst.CSTNode | None) -> str | None:
    """The value of a plain or implicitly concatenated string literal (not an f-string)."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def dotted(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for Name/Attribute chains, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr.value}" if inner else None
    return None


def env_literal(node: cst.CSTNode) -> cst.BaseExpression | None:
    """The name argument of ``os.environ["X"]``, ``os.getenv("X")`` or ``os.environ.get("X")``."""
    if isinstance(node, cst.Subscript) and dotted(node.value) in _ENV_MAPPINGS:
        element = node.slice[0].slice if len(node.slice) == 1 else None
        if isinstance(element, cst.Index):
            return element.value
    if isinstance(node, cst.Call) and dotted(node.func) in _ENV_GETTERS and node.args:
        return node.args[0].value
    return None


def env_variable(node: cst.CSTNode) -> str | None:
    """The variable an environment read reads, when it is a literal."""
    return literal_string(env_literal(node))


def iter_calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Every call under ``node``, outermost first, not descending into nested functions."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            yield current
        children = [c for c in current.children
                    if not isinstance(c, (cst.FunctionDef, cst.ClassDef, cst.Lambda))]
        stack.extend(reversed(children))


@dataclass
class FunctionScope:
    """What a function knows about its own names: parameters and single local assignments."""

    params: tuple[str, ...] = ()
    locals: dict[str, cst.BaseExpression] = field(default_factory=dict)
    # Names assigned by unpacking a call: name -> (call, index)
    unpacked: dict[str, tuple[cst.BaseExpression, int]] = field(default_factory=dict)
    module_globals: frozenset[str] = frozenset()
    imported_modules: dict[str, str] = field(default_factory=dict)  # local name -> module
    module_strings: dict[str, str] = field(default_factory=dict)  # NAME = "literal" at top

    @classmethod
    def of(cls, node: cst.FunctionDef | cst.Module | None, module_globals: frozenset[str],
           imported_modules: dict[str, str],
           module_strings: dict[str, str] | None = None) -> FunctionScope:
        """A function's names; for a module, the names its top-level code assigns."""
        scope = cls(module_globals=module_globals, imported_modules=imported_modules,
                    module_strings=module_strings or {})
        if node is None:
            return scope
        if isinstance(node, cst.FunctionDef):
            params = [p.name.value for p in (*node.params.posonly_params, *node.params.params,
                                             *node.params.kwonly_params)]
            scope.params = tuple(params)
            statements = list(_statements(node.body))
        else:
            statements = [small for line in node.body if isinstance(line, cst.SimpleStatementLine)
                          for small in line.body]
        counts: dict[str, int] = {}
        for statement in statements:
            if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
                continue
            target = statement.targets[0].target
            if isinstance(target, cst.Name):
                counts[target.value] = counts.get(target.value, 0) + 1
                scope.locals[target.value] = statement.value
            elif isinstance(target, (cst.Tuple, cst.List)):
                for index, element in enumerate(target.elements):
                    if isinstance(element.value, cst.Name):
                        counts[element.value.value] = counts.get(element.value.value, 0) + 1
                        scope.unpacked[element.value.value] = (statement.value, index)
        # A name assigned more than once cannot be followed with confidence.
        for name, count in counts.items():
            if count > 1:
                scope.locals.pop(name, None)
                scope.unpacked.pop(name, None)
        return scope

    def credential(self, node: cst.BaseExpression, depth: int = 0) -> Credential:
        """Follow a value back to a parameter, attribute, global, environment read..."""
        node = unwrap_credential(node, self.module_strings)
        variable = env_variable(node)
        if variable:
            return Credential("env", variable, code(node))
        if isinstance(node, cst.Name):
            name = node.value
            if name in self.params:
                return Credential("param", name, name)
            if name in self.locals and depth < 4:
                followed = self.credential(self.locals[name], depth + 1)
                if followed.kind == "expr":
                    return Credential("local", name, name)
                return followed if followed.local else replace(followed, local=name)
            if name in self.module_globals:
                return Credential("global", name, name)
            return Credential("local", name, name)
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            owner = node.value.value
            if owner in ("self", "cls"):
                return Credential("attr", node.attr.value, code(node))
            if owner in self.imported_modules:
                return Credential("module-attr", f"{self.imported_modules[owner]}.{node.attr.value}",
                                  code(node))
        if isinstance(node, cst.BooleanOperation):
            return self.credential(node.left, depth + 1)
        return Credential("expr", "", code(node))


def _statements(body: cst.BaseSuite) -> Iterator[cst.BaseSmallStatement]:
    """Small statements of a body, including those nested in if/with/try/for blocks."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
            continue  # nested definitions have names of their own
        if isinstance(current, cst.SimpleStatementLine):
            yield from current.body
            continue
        stack.extend(reversed(current.children))


def unwrap_credential(node: cst.BaseExpression,
                      strings: dict[str, str] | None = None) -> cst.BaseExpression:
    """Strip what legacy code wraps a key or id in: b64decode, .encode(), str(), PEM armour
    (written out, or held in module constants such as ``PEM_HEADER``)."""
    strings = strings or {}

    def literal(part: cst.BaseExpression) -> bool:
        return literal_string(part) is not None or (isinstance(part, cst.Name) and part.value in strings)

    while True:
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in _PASS_METHODS:
                node = func.value  # x.encode("utf-8"), x.strip()
                continue
            if dotted(func) in _PASS_FUNCTIONS and node.args:
                node = node.args[0].value
                continue
            return node
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            parts = [p for p in flatten_add(node) if not literal(p)]
            if len(parts) == 1:
                node = parts[0]
                continue
            return node
        if isinstance(node, cst.FormattedString):
            expressions = [p.expression for p in node.parts
                           if isinstance(p, cst.FormattedStringExpression)]
            if len(expressions) == 1:
                node = expressions[0]
                continue
            return node
        return node


def flatten_add(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """``a + "x" + b`` as ``[a, "x", b]``."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return flatten_add(node.left) + flatten_add(node.right)
    return [node]

"""Header names as code writes them: literals, module constants, class constants, and
constants imported from another module of the repository."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from codemods.flow.exprs import code, literal_string
from codemods.names import ACCESS_TOKEN, LEGACY, LOOKALIKE

__all__ = ["HeaderKeys", "header_constants"]


def header_constants(body: Sequence[cst.CSTNode]) -> Iterator[tuple[str, str]]:
    """``NAME = "WM_..."`` assignments directly in a module or class body: (name, header)."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and \
                        isinstance(small.targets[0].target, cst.Name):
                    value = literal_string(small.value)
                    if value and value.startswith("WM_"):
                        yield small.targets[0].target.value, value


class HeaderKeys:
    interesting = LEGACY | LOOKALIKE | {ACCESS_TOKEN}

    def __init__(self, module: cst.Module, imports: dict[str, str],
                 repo_constants: dict[str, str]) -> None:
        self.imports = imports
        self.repo = repo_constants
        self.local: dict[str, str] = {}
        self.class_constants: dict[tuple[str, str], str] = {}
        # Module constants first, so functions above their definition still see them.
        self.local.update(header_constants(module.body))

    def add_constant(self, name: str, value: str) -> None:
        self.local[name] = value

    def add_class_constant(self, class_name: str, name: str, value: str) -> None:
        self.class_constants[(class_name, name)] = value

    def resolve(self, key: cst.BaseExpression | None, classes: list[str]) -> str | None:
        """The header name ``key`` stands for, when it can be known without running the code."""
        if key is None:
            return None
        value = literal_string(key)
        if value is not None:
            return value
        if isinstance(key, cst.Name):
            if key.value in self.local:
                return self.local[key.value]
            return self.repo.get(self.imports.get(key.value, ""))
        if isinstance(key, cst.Attribute) and isinstance(key.value, cst.Name):
            owner, name = key.value.value, key.attr.value
            if owner in ("self", "cls") and classes:
                return self.class_constants.get((classes[0], name))
            for (class_name, constant), header in self.class_constants.items():
                if class_name == owner and constant == name:
                    return header
            if owner in self.imports:
                return self.repo.get(f"{self.imports[owner]}.{name}")
        return None

    def looks_dynamic(self, key: cst.BaseExpression | None) -> bool:
        """A key built at run time that still looks like a Walmart auth header."""
        if key is None or isinstance(key, (cst.SimpleString, cst.Name, cst.Attribute)):
            return False
        text = code(key)
        return "WM_" in text or "SIGNATURE" in text.upper()

"""Adding one requirement to a manifest in the file's own style: its order (a sorted list
stays sorted), quoting, comments and line endings.

TOML files (pyproject.toml, Pipfile) are edited with tomlkit, which keeps their layout; the
others by lines, since setup.cfg and requirements files are read line by line anyway and
setup.py is code whose text is the seller's. Each edit takes (text, distribution,
requirement) and returns the new text, or None when the layout is not one to guess at.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Callable

__all__ = ["edit_pipfile", "edit_poetry", "edit_pyproject", "edit_requirements",
           "edit_setup_cfg", "edit_setup_py", "literal_requires"]

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _key(requirement: str) -> str:
    match = _NAME.match(requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def _sorted(names: list[str]) -> bool:
    keys = [_key(n) for n in names]
    return len(keys) > 1 and keys == sorted(keys)


def _position(names: list[str], requirement: str) -> int | None:
    """Where a sorted list takes the requirement (an index into ``names``); None: at the end."""
    if not _sorted(names):
        return None
    ours = _key(requirement)
    return next((i for i, name in enumerate(names) if _key(name) > ours), None)



def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _add_line(lines: list[str], entries: list[int], line: str, newline: str,
              after: int | None = None) -> list[str]:
    """``lines`` (with their endings) with ``line`` among the entries at those indexes:
    in sorted place when they are sorted, else after the last one (or at ``after``)."""
    names = [lines[i].strip() for i in entries]
    place = _position(names, line.strip())
    if place is not None:
        at = entries[place]
    else:
        at = (entries[-1] if entries else (after if after is not None else len(lines) - 1)) + 1
        if at > 0 and not lines[at - 1].endswith(("\n", "\r")):
            lines[at - 1] += newline
    return [*lines[:at], line + newline, *lines[at:]]


def edit_requirements(text: str, distribution: str, requirement: str) -> str:
    lines = text.splitlines(keepends=True)
    entries = [i for i, line in enumerate(lines)
               if line.strip() and not line.lstrip().startswith(("#", "-"))]
    return "".join(_add_line(lines, entries, requirement, _newline(text)))


_SECTION = re.compile(r"^\s*\[(.+)\]\s*$")
_INSTALL_REQUIRES = re.compile(r"^install_requires\s*[=:]\s*(.*?)\s*$")


def edit_setup_cfg(text: str, distribution: str, requirement: str) -> str | None:
    lines = text.splitlines(keepends=True)
    section = None
    for index, line in enumerate(lines):
        heading = _SECTION.match(line)
        if heading:
            section = heading.group(1).strip()
            continue
        match = _INSTALL_REQUIRES.match(line.rstrip("\r\n"))
        if section != "options" or not match:
            continue
        entries, indent, end = [], "    ", index
        for later in range(index + 1, len(lines)):
            follower = lines[later]
            if follower.strip() and not follower[0].isspace():
                break
            end = later
            if follower.strip() and not follower.lstrip().startswith(("#", ";")):
                entries.append(later)
                indent = follower[:len(follower) - len(follower.lstrip())]
        if match.group(1) and entries:
            return None  # a value on the key's line and below it: not a layout to guess at
        return "".join(_add_line(lines, entries, indent + requirement, _newline(text),
                                 after=index if not entries else end))
    return None


def literal_requires(tree: ast.Module) -> ast.List | bool | None:
    """The ``install_requires=[...]`` list of string literals; None when there is no such
    argument; False when it is computed."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "install_requires":
                    value = keyword.value
                    if isinstance(value, ast.List) and all(
                            isinstance(e, ast.Constant) and isinstance(e.value, str)
                            for e in value.elts):
                        return value
                    return False
    return None


def _offset(lines: list[str], line: int, column: int) -> int:
    """A character offset from ast's (1-based line, UTF-8 byte column)."""
    before = sum(len(text) for text in lines[:line - 1])
    return before + len(lines[line - 1].encode("utf-8")[:column].decode("utf-8"))


def edit_setup_py(text: str, distribution: str, requirement: str) -> str | None:
    tree = ast.parse(text)
    found = literal_requires(tree)
    if not isinstance(found, ast.List):
        return None
    lines = text.splitlines(keepends=True)
    elements = found.elts
    names = [e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    first = elements[0] if elements else None
    quote = '"'
    if first is not None:
        start = _offset(lines, first.lineno, first.col_offset)
        quote = text[start] if text[start] in "'\"" else '"'
    item = f"{quote}{requirement}{quote}"
    if not elements:
        end = _offset(lines, found.end_lineno or found.lineno, found.end_col_offset or 0) - 1
        return text[:end] + item + text[end:]
    multiline = any(e.lineno != found.lineno for e in elements)
    place = _position(names, requirement)
    if place is not None:  # before the first name that sorts after it
        at = elements[place]
        start = _offset(lines, at.lineno, at.col_offset)
        separator = f",{_newline(text)}{lines[at.lineno - 1][:at.col_offset]}" if multiline \
            else ", "
        return text[:start] + item + separator + text[start:]
    last = elements[-1]
    end = _offset(lines, last.end_lineno or last.lineno, last.end_col_offset or 0)
    if not multiline:
        return text[:end] + ", " + item + text[end:]
    indent = lines[last.lineno - 1][:last.col_offset]
    rest = text[end:]
    trailing = rest.lstrip(" \t").startswith(",")
    if trailing:
        comma = end + rest.index(",") + 1
        return text[:comma] + _newline(text) + indent + item + "," + text[comma:]
    return text[:end] + "," + _newline(text) + indent + item + text[end:]


def _toml_string(example: Any, value: str) -> Any:
    import tomlkit
    from tomlkit.items import String, StringType

    literal = isinstance(example, String) and example.type == StringType.SLL
    return tomlkit.string(value, literal=literal)


def edit_pyproject(text: str, distribution: str, requirement: str) -> str | None:
    import tomlkit

    document = tomlkit.parse(text)
    project: Any = document["project"]
    if "dependencies" not in project:
        project["dependencies"] = [requirement]
        return tomlkit.dumps(document)
    array = project["dependencies"]
    names = [str(item) for item in array]
    item = _toml_string(array[0] if names else None, requirement)
    place = _position(names, requirement)
    if place is None:
        array.append(item)
    else:
        array.insert(place, item)
    return tomlkit.dumps(document)


def _edit_table(path: tuple[str, ...]) -> Callable[[str, str, str], str | None]:
    """Poetry's and Pipfile's tables of ``name = "version"``: added last (their order is
    rarely sorted, and tomlkit inserts into a table only at its end)."""
    def edit(text: str, distribution: str, requirement: str) -> str | None:
        import tomlkit

        document = tomlkit.parse(text)
        table: Any = document
        for key in path:
            table = table[key]
        value = requirement[len(distribution):]
        example = next((v for v in table.values() if isinstance(v, str)), None)
        table.append(distribution, _toml_string(example, value))
        return tomlkit.dumps(document)
    return edit


edit_poetry = _edit_table(("tool", "poetry", "dependencies"))
edit_pipfile = _edit_table(("packages",))

"""The files a seller's project lists its runtime requirements in, and how to add one to each
in the file's own style: its order (sorted lists stay sorted), quoting, comments, line endings.

TOML files (pyproject.toml, Pipfile) are edited with tomlkit, which keeps their layout; the
others by lines, since setup.cfg and requirements files are read line by line anyway and
setup.py is code whose text is the seller's.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

__all__ = ["Found", "Manifest", "find_manifests"]

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_NOT_RUNTIME = re.compile(r"dev|test|lint|doc|ci|build|type|check|style", re.IGNORECASE)


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


@dataclass
class Manifest:
    path: Path
    kind: str  # requirements, pyproject, poetry, setup.cfg, setup.py, Pipfile
    original: bytes
    editable: bool = True
    edit: Callable[[str, str, str], str | None] | None = field(default=None, repr=False)

    def display(self, root: Path) -> str:
        return Path(os.path.relpath(self.path, root)).as_posix()

    def declares(self, distribution: str) -> bool:
        pattern = r"[-_.]+".join(re.escape(p) for p in re.split(r"[-_.]+", distribution))
        return re.search(pattern, self.original.decode("utf-8", "replace"), re.IGNORECASE) \
            is not None

    def with_requirement(self, distribution: str, requirement: str) -> bytes | None:
        """The file with the requirement added; None when it cannot be done safely."""
        if self.edit is None:
            return None
        try:
            text = self.original.decode("utf-8")
        except UnicodeDecodeError:
            return None
        new = self.edit(text, distribution, requirement)
        return None if new is None else new.encode("utf-8")


@dataclass
class Found:
    manifests: list[Manifest] = field(default_factory=list)
    unclear: str | None = None  # why no manifest can be chosen


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


def _edit_requirements(text: str, distribution: str, requirement: str) -> str:
    lines = text.splitlines(keepends=True)
    entries = [i for i, line in enumerate(lines)
               if line.strip() and not line.lstrip().startswith(("#", "-"))]
    return "".join(_add_line(lines, entries, requirement, _newline(text)))


_SECTION = re.compile(r"^\s*\[(.+)\]\s*$")
_INSTALL_REQUIRES = re.compile(r"^install_requires\s*[=:]\s*(.*?)\s*$")


def _edit_setup_cfg(text: str, distribution: str, requirement: str) -> str | None:
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


def _literal_requires(tree: ast.Module) -> ast.List | bool | None:
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


def _edit_setup_py(text: str, distribution: str, requirement: str) -> str | None:
    tree = ast.parse(text)
    found = _literal_requires(tree)
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


def _edit_pyproject(text: str, distribution: str, requirement: str) -> str | None:
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


def _read_toml(path: Path) -> dict[str, Any] | None:
    import tomlkit

    try:
        return tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def find_manifests(root: Path) -> Found:
    """Every file at the top of the project that lists its runtime requirements."""
    found = Found()
    toml = [root / name for name in ("pyproject.toml", "Pipfile") if (root / name).is_file()]
    if toml and importlib.util.find_spec("tomlkit") is None:  # the cli extra was not installed
        found.unclear = (f"{toml[0].name} is edited with tomlkit, which is not installed "
                         "(pip install 'walmart-migrate[cli]')")
        return found

    def add(path: Path, kind: str, edit: Callable[[str, str, str], str | None] | None) -> None:
        found.manifests.append(Manifest(path, kind, path.read_bytes(), edit is not None, edit))

    requirements = sorted(root.glob("requirements*.txt"))
    main = root / "requirements.txt"
    runtime = [main] if main.is_file() else \
        [p for p in requirements if not _NOT_RUNTIME.search(p.name[len("requirements"):])]
    for path in runtime:
        add(path, "requirements", _edit_requirements)
    pyproject = _read_toml(root / "pyproject.toml") if (root / "pyproject.toml").is_file() else None
    if pyproject is not None:
        project = pyproject.get("project")
        poetry = pyproject.get("tool", {}).get("poetry", {})
        uses_poetry = isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict)
        if isinstance(project, dict) and "dependencies" in project.get("dynamic", []):
            found.unclear = "pyproject.toml says its dependencies are computed at build time"
        elif isinstance(project, dict) and ("dependencies" in project or not uses_poetry):
            add(root / "pyproject.toml", "pyproject", _edit_pyproject)
        if uses_poetry:
            add(root / "pyproject.toml", "poetry", _edit_table(("tool", "poetry", "dependencies")))
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser()
        try:
            parser.read(setup_cfg, encoding="utf-8")
            if parser.has_option("options", "install_requires"):
                add(setup_cfg, "setup.cfg", _edit_setup_cfg)
        except (configparser.Error, UnicodeDecodeError):
            found.unclear = "setup.cfg cannot be read"
    setup_py = root / "setup.py"
    if setup_py.is_file():
        try:
            requires = _literal_requires(ast.parse(setup_py.read_bytes()))
        except (SyntaxError, ValueError):
            requires = False
        if requires is False:
            found.unclear = "setup.py computes install_requires when it runs"
        elif requires is not None:
            add(setup_py, "setup.py", _edit_setup_py)
    pipfile = _read_toml(root / "Pipfile") if (root / "Pipfile").is_file() else None
    if pipfile is not None and isinstance(pipfile.get("packages"), dict):
        add(root / "Pipfile", "Pipfile", _edit_table(("packages",)))
    return found

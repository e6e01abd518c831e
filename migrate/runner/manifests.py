"""The files a seller's project lists its runtime requirements in: which of them there are,
whether one already names a distribution, and the file with a requirement added (the edits
are in ``manifest_edits``)."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from migrate.runner.manifest_edits import (
    edit_pipfile,
    edit_poetry,
    edit_pyproject,
    edit_requirements,
    edit_setup_cfg,
    edit_setup_py,
    literal_requires,
)

__all__ = ["Found", "Manifest", "find_manifests"]

_NOT_RUNTIME = re.compile(r"dev|test|lint|doc|ci|build|type|check|style", re.IGNORECASE)


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
        add(path, "requirements", edit_requirements)
    pyproject = _read_toml(root / "pyproject.toml") if (root / "pyproject.toml").is_file() else None
    if pyproject is not None:
        project = pyproject.get("project")
        poetry = pyproject.get("tool", {}).get("poetry", {})
        uses_poetry = isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict)
        if isinstance(project, dict) and "dependencies" in project.get("dynamic", []):
            found.unclear = "pyproject.toml says its dependencies are computed at build time"
        elif isinstance(project, dict) and ("dependencies" in project or not uses_poetry):
            add(root / "pyproject.toml", "pyproject", edit_pyproject)
        if uses_poetry:
            add(root / "pyproject.toml", "poetry", edit_poetry)
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser()
        try:
            parser.read(setup_cfg, encoding="utf-8")
            if parser.has_option("options", "install_requires"):
                add(setup_cfg, "setup.cfg", edit_setup_cfg)
        except (configparser.Error, UnicodeDecodeError):
            found.unclear = "setup.cfg cannot be read"
    setup_py = root / "setup.py"
    if setup_py.is_file():
        try:
            requires = literal_requires(ast.parse(setup_py.read_bytes()))
        except (SyntaxError, ValueError):
            requires = False
        if requires is False:
            found.unclear = "setup.py computes install_requires when it runs"
        elif requires is not None:
            add(setup_py, "setup.py", edit_setup_py)
    pipfile = _read_toml(root / "Pipfile") if (root / "Pipfile").is_file() else None
    if pipfile is not None and isinstance(pipfile.get("packages"), dict):
        add(root / "Pipfile", "Pipfile", edit_pipfile)
    return found

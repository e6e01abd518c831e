"""The target repository's own settings: ``[tool.walmart-migrate]`` in its pyproject.toml.

    [tool.walmart-migrate]
    include = ["src/**/*.py"]          # gitignore-style patterns; default: every *.py
    exclude = ["legacy_ca/**"]         # never touched
    target = "oauth"                   # or "rollout"
    markers = ["sign_walmart"]         # extra byte strings that make a file worth parsing
    max-file-size = "4MB"              # larger files are skipped, never parsed (default 2MB)
    [tool.walmart-migrate.renames]     # credential names and environment variables
    WALMART_CONSUMER_ID = "WALMART_CLIENT_ID"
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.runner.size import parse_size

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["ProjectConfig", "ProjectConfigError", "find_project_config"]

_KNOWN = {"include", "exclude", "target", "markers", "renames", "max-file-size"}


class ProjectConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    target: str | None = None
    markers: tuple[str, ...] = ()
    renames: dict[str, str] = field(default_factory=dict)
    max_file_size: int | None = None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ProjectConfigError(f"{where} must be a string or a list of strings")


def _load(pyproject: Path) -> ProjectConfig:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProjectConfigError(f"{pyproject}: cannot read [tool.walmart-migrate]: {exc}") from None
    section = data.get("tool", {}).get("walmart-migrate", {})
    if not isinstance(section, dict):
        raise ProjectConfigError(f"{pyproject}: [tool.walmart-migrate] must be a table")
    unknown = sorted(set(section) - _KNOWN)
    if unknown:
        raise ProjectConfigError(
            f"{pyproject}: unknown key(s) in [tool.walmart-migrate]: {', '.join(unknown)}")
    where = f"{pyproject}: [tool.walmart-migrate]"
    target = section.get("target")
    if target not in (None, "oauth", "rollout"):
        raise ProjectConfigError(f"{where} target must be oauth or rollout")
    renames = section.get("renames", {})
    if not isinstance(renames, dict) or not all(isinstance(v, str) for v in renames.values()):
        raise ProjectConfigError(f"{where} renames must map names to names")
    max_file_size = None
    if "max-file-size" in section:
        try:
            max_file_size = parse_size(section["max-file-size"])
        except ValueError as exc:
            raise ProjectConfigError(f"{where} max-file-size: {exc}") from None
    return ProjectConfig(
        root=pyproject.parent,
        max_file_size=max_file_size,
        include=_strings(section.get("include", []), f"{where} include"),
        exclude=_strings(section.get("exclude", []), f"{where} exclude"),
        target=target,
        markers=_strings(section.get("markers", []), f"{where} markers"),
        renames=dict(renames),
    )


def find_project_config(start: Path, stop: Path | None = None) -> ProjectConfig | None:
    """The nearest pyproject.toml at or above ``start`` (not above ``stop``) that has a
    ``[tool.walmart-migrate]`` section."""
    current = start if start.is_dir() else start.parent
    current = current.resolve()
    stop = stop.resolve() if stop else None
    while True:
        candidate = current / "pyproject.toml"
        if candidate.is_file() and b"walmart-migrate" in candidate.read_bytes():
            config = _load(candidate)
            if config is not None:
                return config
        if current == stop or current.parent == current:
            return None
        current = current.parent

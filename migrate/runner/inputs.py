"""What a run hands its workers, as plain picklable data: the files and the plan. Light on
purpose (no LibCST), so that a run answered from the cache never loads the codemods."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codemods.findings import MigrationOptions

if TYPE_CHECKING:
    from codemods.flow.plan import RepoPlan

__all__ = ["Plan", "SourceFile", "has_marker", "mentions"]


@dataclass(frozen=True)
class Plan:
    """Everything a worker needs, as plain picklable data."""

    codemods: tuple[str, ...]
    markers: tuple[bytes, ...]
    options: MigrationOptions = field(default_factory=MigrationOptions)
    repo: RepoPlan | None = None  # set between the two passes


@dataclass(frozen=True)
class SourceFile:
    path: str
    display: str
    module: str  # dotted module name, for imports between the repository's files
    is_package: bool = False


def has_marker(data: bytes, markers: tuple[bytes, ...]) -> bool:
    return any(marker in data for marker in markers)


def mentions(data: bytes, names: frozenset[str]) -> bool:
    """A file naming what the plan renames joins the second pass, marker or not."""
    return any(name.encode() in data for name in names)

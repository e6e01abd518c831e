"""What every codemod shares: findings, the options a run passes down, and the base class.

A codemod is a LibCST ``VisitorBasedCodemodCommand`` with three class attributes:
``NAME`` (a short id), ``DESCRIPTION`` (one sentence) and ``MARKERS`` (byte strings; a file
containing none of them is never parsed). It reports what it saw with ``self.report(...)``;
the runner collects those findings from ``context.scratch``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider

__all__ = [
    "ACTIONS",
    "SCHEMES",
    "Finding",
    "MigrationOptions",
    "WalmartCodemod",
    "findings_of",
    "options_of",
]

SCHEMES = (
    "marketplace-signature",
    "canada-signature",
    "affiliate-signature",
    "fake-signature",
    "oauth",
    "hybrid",
    "unknown",
)
ACTIONS = ("rewritten", "manual", "ignored")

_FINDINGS = "walmart_migrate.findings"
_OPTIONS = "walmart_migrate.options"


@dataclass(frozen=True)
class Finding:
    """One site that touches Walmart signing, and what the run did about it."""

    line: int
    column: int
    scheme: str
    codemod: str
    action: str
    message: str

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {self.scheme!r}")
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MigrationOptions:
    """What the command line (and the target repo's pyproject) asks of the codemods."""

    target: str = "oauth"  # or "rollout"
    # Renames for credentials: names and environment variables (consumer id -> client id...).
    renames: tuple[tuple[str, str], ...] = field(default=())
    mark_manual: bool = False  # add a "# walmart-migrate: ..." comment at manual sites


def findings_of(context: CodemodContext) -> list[Finding]:
    found: list[Finding] = context.scratch.setdefault(_FINDINGS, [])
    return found


def options_of(context: CodemodContext) -> MigrationOptions:
    options = context.scratch.get(_OPTIONS)
    return options if isinstance(options, MigrationOptions) else MigrationOptions()


def attach_options(context: CodemodContext, options: MigrationOptions) -> None:
    context.scratch[_OPTIONS] = options


class WalmartCodemod(VisitorBasedCodemodCommand):
    """Base class: declares positions as a metadata dependency and records findings."""

    NAME: ClassVar[str] = ""
    MARKERS: ClassVar[tuple[bytes, ...]] = ()
    METADATA_DEPENDENCIES = (PositionProvider,)

    @property
    def options(self) -> MigrationOptions:
        return options_of(self.context)

    def report(self, node: cst.CSTNode, scheme: str, action: str, message: str) -> None:
        position = self.get_metadata(PositionProvider, node).start
        findings_of(self.context).append(
            Finding(position.line, position.column + 1, scheme, self.NAME, action, message))

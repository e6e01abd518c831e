"""Findings and run options: plain data, importable without LibCST, so that reports, the
result cache and the command line stay light."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ACTIONS", "SCHEMES", "Finding", "MigrationOptions"]

SCHEMES = (
    "marketplace-signature",
    "canada-signature",
    "affiliate-signature",
    "fake-signature",
    "supplier-signature",
    "oauth",
    "hybrid",
    "unknown",
)
ACTIONS = ("rewritten", "manual", "ignored")


@dataclass(frozen=True)
class Finding:
    """One site that touches Walmart signing, and what the run did about it."""

    line: int
    column: int
    scheme: str
    codemod: str
    action: str
    message: str
    # How the tool knows: each step of the value flow that proved the scheme, in order.
    chain: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {self.scheme!r}")
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.chain:  # the contract's six keys, and how the tool knows when it can say
            data["chain"] = list(self.chain)
        else:
            del data["chain"]
        return data


@dataclass(frozen=True)
class MigrationOptions:
    """What the command line (and the target repo's pyproject) asks of the codemods."""

    target: str = "oauth"  # or "rollout"
    # Renames for credentials: names and environment variables (consumer id -> client id...).
    renames: tuple[tuple[str, str], ...] = field(default=())
    mark_manual: bool = False  # add a "# walmart-migrate: ..." comment at manual sites

"""What the run found and did, per file, and the exit code that sums it up."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from codemods.findings import Finding

__all__ = ["EXIT_CHANGES", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED",
           "EXIT_USAGE", "FileResult",
           "RunResult", "not_written"]

EXIT_OK, EXIT_CHANGES, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 123
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM
STATUSES = ("changed", "unchanged", "skipped", "failed")


@dataclass
class FileResult:
    """``original``/``new`` are carried only for changed files (the diff and the write)."""

    path: str
    status: str
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)
    original: bytes | None = field(default=None, repr=False)
    new: bytes | None = field(default=None, repr=False)
    internal_error: bool = False  # a codemod bug, as opposed to a problem with the file
    written: bool = False
    environment: dict[str, str] = field(default_factory=dict)  # env variables renamed here
    # The rewrite left nothing in the module and nothing imports it any more: it goes.
    deleted: bool = False
    manifest: bool = False  # the project's requirements, declaring the runtime; not code
    # The rewritten file imports ``shim`` and the original did not: the project must declare
    # the runtime. A fact, kept by the caches, so ``apply --check`` needs no rewritten text.
    gains_shim: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "status": self.status, "reason": self.reason,
                "findings": [f.to_json() for f in self.findings]}
        if self.deleted:
            data["deleted"] = True
        return data

    @property
    def needs_a_person(self) -> bool:
        """Sites left for a person: manual findings, or a Walmart file we could not read."""
        return any(f.action == "manual" for f in self.findings) or \
            (self.status in ("skipped", "failed"))


@dataclass
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    scanned: int = 0  # files discovered, whether or not they had a marker
    # Environment variables the rewritten code now reads under new names: the deployment
    # has to provide them (old -> new), and names no rule renamed (name -> what it now holds).
    environment: dict[str, str] = field(default_factory=dict)
    kept_names: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts = {status: 0 for status in STATUSES}
        for result in self.files:
            counts[result.status] += 1
        return counts

    def scheme_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for result in self.files:
            for finding in result.findings:
                counts[finding.scheme] = counts.get(finding.scheme, 0) + 1
        return dict(sorted(counts.items()))

    def action_counts(self) -> dict[str, int]:
        counts = {"rewritten": 0, "manual": 0, "ignored": 0}
        for result in self.files:
            for finding in result.findings:
                counts[finding.action] += 1
        return counts

    def summary(self) -> dict[str, Any]:
        return {"scanned": self.scanned, "candidates": len(self.files), **self.counts(),
                "findings": self.action_counts(), "schemes": self.scheme_counts(),
                "environment": dict(self.environment), "kept_names": dict(self.kept_names)}

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "summary": self.summary(),
                "files": [r.to_json() for r in self.files]}

    @property
    def changed(self) -> list[FileResult]:
        return [r for r in self.files if r.status == "changed"]

    @property
    def internal_errors(self) -> list[FileResult]:
        return [r for r in self.files if r.internal_error]


def not_written(result: RunResult, problems: dict[str, str]) -> None:
    """The run's writes were rolled back: the files that stopped them failed, the others
    were not written because of them, and nothing the rewrite would have done holds."""
    first, why = next(iter(problems.items()))
    for file_result in result.changed:
        if file_result.path in problems:
            file_result.status, file_result.reason = "failed", problems[file_result.path]
        else:
            file_result.status = "skipped"
            file_result.reason = (f"not written: {first} could not be written ({why}), and apply "
                                  "writes all files or none; fix that and run again")
        file_result.original = file_result.new = None
        file_result.deleted = file_result.gains_shim = False
        file_result.environment = {}
        file_result.findings = [replace(f, action="manual", message=f"{f.message} (not written)")
                                if f.action == "rewritten" else f for f in file_result.findings]
    result.environment = {}
    result.kept_names = {}

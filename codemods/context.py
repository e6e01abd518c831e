"""The state the codemods of one file share, without importing ``libcst.codemod`` (it pulls in
``libcst.matchers``, which was most of the time a run took to start). Under ``python -m
libcst.tool`` the context is LibCST's own ``CodemodContext``: only the fields both have are
read, and a codemod may raise either ``SkipFile``."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Optional, Protocol

from libcst.metadata import MetadataWrapper

__all__ = ["CodemodContext", "FileContext", "SkipFile", "is_skip"]


class CodemodContext(Protocol):
    """What a codemod reads of its context: ours or LibCST's (frozen: read-only here)."""

    @property
    def warnings(self) -> list[str]: ...
    @property
    def scratch(self) -> dict[str, Any]: ...
    @property
    def filename(self) -> Optional[str]: ...
    @property
    def full_module_name(self) -> Optional[str]: ...
    @property
    def full_package_name(self) -> Optional[str]: ...
    @property
    def wrapper(self) -> Optional[MetadataWrapper]: ...


@dataclass(frozen=True)
class FileContext:
    """The state the codemods of one file share (LibCST's ``CodemodContext``, without
    importing ``libcst.codemod``)."""

    warnings: list[str] = field(default_factory=list)
    scratch: dict[str, Any] = field(default_factory=dict)
    filename: Optional[str] = None
    full_module_name: Optional[str] = None
    full_package_name: Optional[str] = None
    wrapper: Optional[MetadataWrapper] = None


class SkipFile(Exception):
    """Raised by a codemod that must not touch this file; the message says why."""


def is_skip(exc: BaseException) -> bool:
    """Ours, or LibCST's ``SkipFile`` (a codemod raising that one has imported it)."""
    if isinstance(exc, SkipFile):
        return True
    theirs = sys.modules.get("libcst.codemod._runner")  # where LibCST defines it
    skip = getattr(theirs, "SkipFile", None)
    return isinstance(skip, type) and isinstance(exc, skip)


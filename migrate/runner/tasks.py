"""The per-file work of the two passes, by name, for ``Workers.map``: this module loads no
LibCST. A run whose worker processes were started before it knew its work
(``Workers.start_early``) leaves the parsing and rewriting to them and never loads the
analysis here; work done here loads it when first called."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Optional, Union

if TYPE_CHECKING:
    from codemods.flow.summary import FileSummary
    from migrate.runner.inputs import Plan, SourceFile
    from migrate.runner.results import FileResult

__all__ = ["ANALYSIS", "analyze_file", "forget", "load", "loaded", "migrate_file"]

ANALYSIS = "migrate.runner.transform"


def load() -> None:
    """The analysis, loaded (LibCST and the codemods: about 0.1 s)."""
    importlib.import_module(ANALYSIS)


def loaded() -> bool:
    return ANALYSIS in sys.modules


def analyze_file(source: SourceFile, plan: Plan, force: bool = False,
                 data: Optional[bytes] = None) -> Union[FileSummary, FileResult, None]:
    from migrate.runner.transform import analyze_file as analyze

    return analyze(source, plan, force, data)


def migrate_file(source: SourceFile, plan: Plan, data: Optional[bytes] = None) -> FileResult:
    from migrate.runner.transform import migrate_file as migrate

    return migrate(source, plan, data)


def forget() -> None:
    """Drop the trees this process kept for the second pass, if it parsed any."""
    module = sys.modules.get(ANALYSIS)
    if module is not None:
        module.forget()

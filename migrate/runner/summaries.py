"""The summaries a run's first pass holds, by display path. Widening the analysis asks three
things of a file's summary - its module, what it imports, the classes it defines - so those
(its outline) are at hand for every file, while the whole summary of a file an earlier run
analysed is decoded only when a plan is made from it. A run after an edit that leaves every
summary as it was (a comment, a log line) takes its plan from the cache and decodes none."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from codemods.flow.summary import FileSummary

__all__ = ["Outline", "Summaries"]


@dataclass(frozen=True)
class Outline:
    module: str
    imports: Mapping[str, str]  # local name -> qualified name
    classes: frozenset[str]

    @classmethod
    def of(cls, summary: FileSummary) -> Outline:
        return cls(summary.module, dict(summary.imports), frozenset(summary.classes))

    def to_json(self) -> dict[str, Any]:
        return {"module": self.module, "imports": dict(self.imports),
                "classes": sorted(self.classes)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outline:
        """Raises LookupError, TypeError or AttributeError when ``data`` is not one."""
        return cls(str(data["module"]), {str(k): str(v) for k, v in data["imports"].items()},
                   frozenset(str(c) for c in data["classes"]))


class Summaries(Mapping[str, "FileSummary"]):
    """Display path -> summary, in the order files were added; ``outlines`` beside it."""

    def __init__(self) -> None:
        self.outlines: dict[str, Outline] = {}
        self._whole: dict[str, FileSummary] = {}
        self._later: dict[str, Callable[[], FileSummary]] = {}

    def add(self, display: str, summary: FileSummary) -> None:
        self.outlines[display] = Outline.of(summary)
        self._whole[display] = summary
        self._later.pop(display, None)

    def add_later(self, display: str, outline: Outline, whole: Callable[[], FileSummary]) -> None:
        """A summary known by its outline; ``whole`` makes it when it is first asked for."""
        self.outlines[display] = outline
        self._whole.pop(display, None)
        self._later[display] = whole

    def __getitem__(self, display: str) -> FileSummary:
        found = self._whole.get(display)
        if found is None:
            found = self._whole[display] = self._later.pop(display)()
        return found

    def __contains__(self, display: object) -> bool:
        return display in self.outlines

    def __iter__(self) -> Iterator[str]:
        return iter(self.outlines)

    def __len__(self) -> int:
        return len(self.outlines)

"""Type and range checks for settings that arrive as JSON (control endpoints, config files)
or from the command line: a string where a count belongs, or ``nan`` where seconds belong,
is refused where it comes in, with its name - not stored to break every later request."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["TEN_YEARS", "integer", "seconds", "share", "text"]

TEN_YEARS = 10 * 365.25 * 86400


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def seconds(name: str, value: Any, low: float = 0.0, high: float = TEN_YEARS,
            low_open: bool = False) -> float:
    """A finite number of seconds in [low, high] (or (low, high])."""
    if not _is_number(value) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number of seconds, not {value!r}")
    if value < low or (low_open and value == low) or value > high:
        unit = "second" if low == 1 else "seconds"
        bound = f"more than {low:g} {unit}" if low_open else f"at least {low:g} {unit}"
        raise ValueError(f"{name} must be {bound} and at most {high:.0f} seconds, not {value!r}")
    return float(value)


def share(name: str, value: Any) -> float:
    if not _is_number(value) or not 0.0 <= value <= 1.0:  # NaN fails both comparisons
        raise ValueError(f"{name} must be a number between 0 and 1, not {value!r}")
    return float(value)


def integer(name: str, value: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return value


def text(name: str, value: Any, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, not {value!r}")
    return value

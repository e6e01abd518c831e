"""Which files runs in this process parse (a ``-j 1`` run, or a small batch, runs here)."""

from __future__ import annotations

import pytest

import migrate.runner.transform as transform


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The display path of every file parsed from now on, in order."""
    found: list[str] = []
    real = transform.parse_source

    def counting(data: bytes, display: str, *rest: int) -> object:
        found.append(display)
        return real(data, display, *rest)

    monkeypatch.setattr(transform, "parse_source", counting)
    return found

"""The covering sample kept on disk is the one the seed derives, worked out again whenever
anything it is derived from changes or the entry does not read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.metamorphic import kept
from tests.metamorphic.covering import Covering


def test_the_sample_is_worked_out_once_per_input(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "fixture.py").write_text("WM_SEC = 1\n")
    monkeypatch.setattr(kept, "INPUTS", (inputs,))
    monkeypatch.setattr(kept, "ROOT", tmp_path)
    made: list[int] = []

    def make(seed: int) -> Covering:
        made.append(seed)
        return Covering(variants=[], pairs={frozenset({"a", "b"})})

    folder = tmp_path / "kept"
    first = kept.kept_cover(7, make, folder)
    assert kept.kept_cover(7, make, folder) == first and made == [7]
    (entry,) = folder.iterdir()
    entry.write_bytes(b"half writ")  # a torn entry is worked out again
    assert kept.kept_cover(7, make, folder) == first and made == [7, 7]
    (inputs / "fixture.py").write_text("WM_SEC = 2\n")  # an input changed: a new entry
    assert kept.kept_cover(7, make, folder) == first and made == [7, 7, 7]
    assert len(list(folder.iterdir())) == 1  # the stale one went
    kept.kept_cover(8, make, folder)
    assert made == [7, 7, 7, 8] and len(list(folder.iterdir())) == 2

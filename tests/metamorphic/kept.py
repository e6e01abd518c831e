"""The covering sample, worked out once and kept on disk (pytest's cache folder): deriving it
refactors every fixture many times over, about 15 s, and each test process collecting
``test_variants`` needs it before any test runs. The sample is a pure function of the seed,
the generator's source, the fixtures and the versions of Python and LibCST, so an entry is
keyed by all of them; any other entry, or one that does not read back whole, is worked out
again. Entries are this suite's own, in a folder the suite writes."""

from __future__ import annotations

import hashlib
import pickle
import sys
from importlib import metadata
from pathlib import Path
from typing import Callable

from migrate.runner.entries import replace_whole
from tests.metamorphic.covering import Covering, cover

__all__ = ["kept_cover"]

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / ".pytest_cache" / "d" / "metamorphic-cover"
# What the sample is derived from: the generator and its refactorings, and the fixtures.
INPUTS = (ROOT / "tests" / "metamorphic", ROOT / "tests" / "codemods" / "fixture_cases.py",
          ROOT / "fixtures" / "codemods")


def _key(seed: int) -> str:
    digest = hashlib.sha256(f"{seed}\0{sys.version}\0{metadata.version('libcst')}".encode())
    for top in INPUTS:
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()
                                                   and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


def kept_cover(seed: int, make: Callable[[int], Covering] = cover,
               folder: Path = FOLDER) -> Covering:
    entry = folder / f"seed-{seed}-{_key(seed)}.pickle"
    try:
        # The suite's own entry, in its own cache folder: nothing a checkout could plant there
        # runs more than its conftest.py already would.
        found = pickle.loads(entry.read_bytes())  # noqa: S301
        if isinstance(found, Covering):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            IndexError, TypeError, ValueError):
        pass  # not kept yet, half written, or from another layout: worked out again
    made = make(seed)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"seed-{seed}-*.pickle"):
            stale.unlink(missing_ok=True)
        replace_whole(entry, pickle.dumps(made))
    except OSError:
        pass  # a read-only checkout works it out every time
    return made

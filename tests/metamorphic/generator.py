"""Variants of the fixture repositories: each fixture's ``before/`` tree with refactorings
applied, alone and combined.

``variants(seed, count)`` draws variants at random (the same seed gives byte-identical
variants, whatever the interpreter's hash seed); ``covering_sample(seed)`` is a small set in
which every refactoring appears alone and every pair of refactorings that can be combined
appears together at least once."""

from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tests.codemods.fixture_cases import Case, load_cases
from tests.metamorphic.lookalike import RUN_CASE
from tests.metamorphic.refactorings import BY_NAME, REFACTORINGS
from tests.metamorphic.syntax import Tree

__all__ = ["Base", "Variant", "bases", "covering_sample", "derive", "variants"]

NAMES = tuple(r.name for r in REFACTORINGS)


@dataclass(frozen=True)
class Base:
    """A fixture a variant starts from."""

    name: str
    files: Tree = field(repr=False)
    expect_run: Any
    lookalike: bool
    target: str = "oauth"
    key_format: str = "pkcs8-base64"
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    id: str
    base: str
    refactorings: tuple[str, ...]
    files: Tree = field(repr=False)
    expect_run: Any  # what run_case.run() returns; None for look-alikes (compared to the base)
    lookalike: bool
    target: str = "oauth"
    key_format: str = "pkcs8-base64"
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        data = "\0".join(f"{p}\0{s}" for p, s in sorted(self.files.items()))
        return hashlib.sha256(data.encode()).hexdigest()


def _files(case: Case) -> Tree:
    return {p.relative_to(case.before).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(case.before.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def _is_rewriting(case: Case) -> bool:
    return case.expect_run is not None and any(f["action"] == "rewritten" for f in case.findings)


def _is_lookalike(case: Case) -> bool:
    return bool(case.findings) and all(f["scheme"] != "marketplace-signature" and
                                       f["action"] != "rewritten" for f in case.findings)


@lru_cache(maxsize=1)
def bases() -> tuple[Base, ...]:
    """Every fixture with ``expect_run`` and rewritten findings, and the look-alike ones."""
    found = []
    for case in load_cases():
        if _is_rewriting(case):
            found.append(Base(case.name, _files(case), case.expect_run, False, case.target,
                              case.key_format, dict(case.extra_env)))
        elif _is_lookalike(case):
            found.append(Base(case.name, {**_files(case), "run_case.py": RUN_CASE}, None, True))
    return tuple(found)


def base_variant(base: Base) -> Variant:
    return Variant(base.name, base.name, (), base.files, base.expect_run, base.lookalike,
                   base.target, base.key_format, base.extra_env)


@lru_cache(maxsize=8192)
def _tree(base_name: str, applied: tuple[str, ...], seed: int | str) -> Tree | None:
    """The base's files with ``applied`` applied in order; None when one does not apply.
    Each step's random choices depend only on the seed, the base and the steps before it."""
    if not applied:
        return next(b.files for b in bases() if b.name == base_name)
    before = _tree(base_name, applied[:-1], seed)
    if before is None:
        return None
    step = random.Random(f"{seed}/{base_name}/{'+'.join(applied[:-1])}/{applied[-1]}")
    after = BY_NAME[applied[-1]](before, step)
    return None if after is None or after == before else after


def derive(base: Base, names: tuple[str, ...], seed: int | str,
           strict: bool = True) -> Variant | None:
    """``base`` with the named refactorings applied in order. With ``strict`` every one must
    apply (None otherwise); without, those that do not apply are left out."""
    applied: tuple[str, ...] = ()
    for name in names:
        if _tree(base.name, (*applied, name), seed) is not None:
            applied = (*applied, name)
        elif strict:
            return None
    if not applied and names:
        return None
    tree = _tree(base.name, applied, seed)
    assert tree is not None
    return Variant("+".join([base.name, *applied]), base.name, applied, tree, base.expect_run,
                   base.lookalike, base.target, base.key_format, base.extra_env)


def _unique(found: list[Variant], variant: Variant) -> Variant:
    taken = {v.id for v in found}
    if variant.id not in taken:
        return variant
    number = next(n for n in itertools.count(2) if f"{variant.id}#{n}" not in taken)
    return Variant(f"{variant.id}#{number}", variant.base, variant.refactorings, variant.files,
                   variant.expect_run, variant.lookalike, variant.target, variant.key_format,
                   variant.extra_env)


def variants(seed: int, count: int) -> list[Variant]:
    """``count`` distinct variants, each of one to four refactorings in a random order."""
    rng = random.Random(seed)
    found: list[Variant] = []
    seen: set[str] = set()
    attempts = 0
    while len(found) < count and attempts < count * 20:
        attempts += 1
        base = rng.choice(bases())
        wanted = rng.choice((1, 2, 2, 3, 3, 4))
        order = rng.sample(NAMES, len(NAMES))
        variant = _grow(base, order, wanted, rng.randrange(1 << 30))
        if variant is None or variant.digest in seen:
            continue
        seen.add(variant.digest)
        found.append(_unique(found, variant))
    return found


def _grow(base: Base, order: list[str], wanted: int, seed: int) -> Variant | None:
    """Apply refactorings from ``order``, skipping those that do not apply, up to ``wanted``."""
    chosen: list[str] = []
    current: Variant | None = None
    for name in order:
        if len(chosen) == wanted:
            break
        attempt = derive(base, (*chosen, name), seed)
        if attempt is not None:
            chosen.append(name)
            current = attempt
    return current


def covering_sample(seed: int) -> list[Variant]:
    """Every refactoring alone on some fixture, and every combinable pair together in some
    variant; several refactorings per variant keep the sample small."""
    from tests.metamorphic.covering import cover

    return cover(seed)

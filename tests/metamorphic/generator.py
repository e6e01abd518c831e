"""Variants of the fixture repositories: each fixture's ``before/`` tree with refactorings
applied, alone and combined.

``variants(seed, count)`` draws variants at random (the same seed gives byte-identical
variants, whatever the interpreter's hash seed); ``covering_sample(seed)`` is a small set in
which every refactoring appears alone and every pair of refactorings that can be combined
appears together at least once."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tests.codemods.fixture_cases import Case, load_cases
from tests.metamorphic.lookalike import RUN_CASE, RUN_CASE_MODULES
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
    deterministic: bool = False  # run offline, compared with the fixture's own run


@dataclass(frozen=True)
class Variant:
    id: str
    base: str
    refactorings: tuple[str, ...]
    files: Tree = field(repr=False)
    expect_run: Any  # what run_case.run() returns; None when compared with the base's run
    lookalike: bool
    target: str = "oauth"
    key_format: str = "pkcs8-base64"
    extra_env: dict[str, str] = field(default_factory=dict)
    deterministic: bool = False  # run offline (frozen clock, local answers), compared with the base

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
    """Every fixture with ``expect_run`` and rewritten findings, and the look-alike ones that
    can run: with ``expect_run`` against the emulator, without it offline (a look-alike with
    no ``run_case.py`` of its own gets ``lookalike.RUN_CASE`` when that fits it)."""
    found = []
    for case in load_cases():
        files = _files(case)
        if _is_rewriting(case):
            found.append(Base(case.name, files, case.expect_run, False, case.target,
                              case.key_format, dict(case.extra_env)))
        elif _is_lookalike(case):
            if "run_case.py" not in files:
                if not all(f"{m.replace('.', '/')}.py" in files for m in RUN_CASE_MODULES):
                    continue
                files = {**files, "run_case.py": RUN_CASE}
            found.append(Base(case.name, files, case.expect_run, True, case.target,
                              case.key_format, dict(case.extra_env),
                              deterministic=case.expect_run is None))
    return tuple(found)


def base_variant(base: Base) -> Variant:
    return Variant(base.name, base.name, (), base.files, base.expect_run, base.lookalike,
                   base.target, base.key_format, base.extra_env, base.deterministic)


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
                   base.lookalike, base.target, base.key_format, base.extra_env,
                   base.deterministic)


def _unique(found: list[Variant], variant: Variant) -> Variant:
    taken = {v.id for v in found}
    if variant.id not in taken:
        return variant
    number = next(n for n in itertools.count(2) if f"{variant.id}#{n}" not in taken)
    return dataclasses.replace(variant, id=f"{variant.id}#{number}")


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

    return cover(seed).variants

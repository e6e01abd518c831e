"""The covering sample: every refactoring alone, every combinable pair together, in few
variants.

Singles: one variant per refactoring, on a fixture it applies to. Pairs: variants that chain
several refactorings, built greedily so that each adds the most pairs not yet covered; a pair
counts as combinable when, on some rewriting fixture, one of its two orders applies. The
look-alike fixture gets variants of its own that use every refactoring that applies to it."""

from __future__ import annotations

import dataclasses
import itertools
import random
from dataclasses import dataclass, field
from functools import lru_cache

from tests.metamorphic.generator import NAMES, Base, Variant, bases, derive

LONGEST = 6  # refactorings chained in one variant at most


@dataclass
class Covering:
    variants: list[Variant]
    pairs: set[frozenset[str]] = field(default_factory=set)  # covered together
    apart: set[frozenset[str]] = field(default_factory=set)  # never combine on any fixture
    lookalike: set[str] = field(default_factory=set)  # refactorings run on a look-alike


def _pairs(names: tuple[str, ...]) -> set[frozenset[str]]:
    return {frozenset(p) for p in itertools.combinations(names, 2)}


@lru_cache(maxsize=8)
def cover(seed: int) -> Covering:
    rng = random.Random(seed)
    rewriting = [b for b in bases() if not b.lookalike]
    applicable = {b.name: [n for n in NAMES if derive(b, (n,), seed) is not None] for b in bases()}
    found: list[Variant] = []
    for name in NAMES:
        hosts = [b for b in rewriting if name in applicable[b.name]]
        if hosts:
            found.append(derive(rng.choice(hosts), (name,), seed))  # type: ignore[arg-type]
    wanted = _pairs(NAMES)
    covered: set[frozenset[str]] = set()
    stalled: set[str] = set()
    uses = {b.name: 0 for b in rewriting}
    while wanted - covered and len(stalled) < len(rewriting):
        # The least used fixture that still has pairs to give: the sample spreads over them.
        open_ = [b for b in rewriting if b.name not in stalled
                 and _pairs(tuple(applicable[b.name])) - covered]
        if not open_:
            break
        base = min(open_, key=lambda b: (uses[b.name],
                                         -len(_pairs(tuple(applicable[b.name])) - covered), b.name))
        variant = _greedy(base, applicable[base.name], covered, seed, rng)
        if variant is None:
            stalled.add(base.name)
            continue
        uses[base.name] += 1
        covered |= _pairs(variant.refactorings)
        found.append(variant)
    apart = set()
    for pair in sorted(wanted - covered, key=sorted):
        first, second = sorted(pair)
        variant = _pair_variant(rewriting, applicable, (first, second), seed)
        if variant is None:
            apart.add(pair)
        else:
            covered |= _pairs(variant.refactorings)
            found.append(variant)
    lookalike: set[str] = set()
    for base in (b for b in bases() if b.lookalike):
        pending = [n for n in NAMES if n in applicable[base.name]]
        while pending:
            chain: tuple[str, ...] = ()
            for name in list(pending):
                if len(chain) < LONGEST and derive(base, (*chain, name), seed) is not None:
                    chain = (*chain, name)
                    pending.remove(name)
            if not chain:
                break
            variant = derive(base, chain, seed)
            assert variant is not None
            lookalike |= set(chain)
            found.append(variant)
    return Covering(_numbered(found), covered, apart, lookalike)


def _greedy(base: Base, names: list[str], covered: set[frozenset[str]], seed: int,
            rng: random.Random) -> Variant | None:
    """A chain on ``base`` that adds pairs not covered yet, the most it can, step by step."""
    chain: tuple[str, ...] = ()
    gained = 0

    def gain(name: str) -> int:
        others = chain or tuple(m for m in names if m != name)
        return sum(frozenset((name, other)) not in covered for other in others)

    while len(chain) < LONGEST:
        options = [n for n in names if n not in chain]
        rng.shuffle(options)  # ties are broken at random, reproducibly
        ranked = sorted(options, key=lambda n: -gain(n))
        step = next((n for n in ranked
                     if gain(n) > 0 and derive(base, (*chain, n), seed) is not None), None)
        if step is None:
            break
        gained += gain(step) if chain else 0
        chain = (*chain, step)
    if len(chain) < 2 or gained == 0:
        return None
    return derive(base, chain, seed)


def _pair_variant(rewriting: list[Base], applicable: dict[str, list[str]],
                  pair: tuple[str, str], seed: int) -> Variant | None:
    """The pair chained on some rewriting fixture, directly or with one refactoring between
    (one can make room for the other: a module-level helper for move-to-module...)."""
    for between in ((), *((n,) for n in NAMES if n not in pair)):
        for base in rewriting:
            for first, second in (pair, pair[::-1]):
                if first not in applicable[base.name] and not between:
                    continue
                for chain in ((first, *between, second), (*between, first, second)):
                    variant = derive(base, chain, seed)
                    if variant is not None:
                        return variant
    return None


def _numbered(found: list[Variant]) -> list[Variant]:
    """Variant ids made unique (a chain can repeat on one fixture with other choices)."""
    seen: dict[str, int] = {}
    result = []
    for variant in found:
        seen[variant.id] = seen.get(variant.id, 0) + 1
        if seen[variant.id] > 1:
            variant = dataclasses.replace(variant, id=f"{variant.id}#{seen[variant.id]}")
        result.append(variant)
    return result

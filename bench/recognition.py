"""How much of the fixtures' refactored variants the tool migrates: the generality of its
recognition, measured.

Variants come from ``tests.metamorphic.generator.variants`` (seeded); each is checked by
``tests.metamorphic.check.Checker``: valid seller code in legacy mode, then migrated by the
real runner and run in OAuth mode against the emulator. Checks run in one process per core,
each with its own emulator server and run driver."""

from __future__ import annotations

import collections
import os
import re
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from multiprocessing.util import Finalize
from pathlib import Path

from tests.metamorphic.check import Checker, Outcome, build_jar
from tests.metamorphic.generator import NAMES, Variant, bases, derive, variants
from tests.metamorphic.scan import HARMS

SEED = 2026
COUNT = 500
STATUSES = ("migrated", "manual", "missed", "broken")

_checker: Checker | None = None


def _start(jar: Path | None, workdir: Path) -> None:
    global _checker
    _checker = Checker(jar, workdir=Path(tempfile.mkdtemp(dir=workdir)))
    Finalize(_checker, _checker.close, exitpriority=10)


def _check(variant: Variant) -> Outcome:
    assert _checker is not None
    return _checker.check(variant)


def check_all(found: list[Variant], jar: Path | None, workdir: Path, workers: int) -> list[Outcome]:
    # fork: the workers start with the generator's and the runner's modules loaded.
    context = get_context("fork") if os.name == "posix" else get_context()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                             initargs=(jar, workdir)) as pool:
        return list(pool.map(_check, found, chunksize=4))


def run(scale: float = 1.0) -> list[str]:
    count = COUNT if scale >= 1 else max(24, int(COUNT * scale))
    started = time.perf_counter()
    found = variants(SEED, count)
    generated = time.perf_counter() - started
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as folder:
        jar = build_jar(Path(folder))
        started = time.perf_counter()
        outcomes = check_all(found, jar, Path(folder), workers)
        checked = time.perf_counter() - started
    lines = [f"{len(found)} variants (seed {SEED}) of {len({v.base for v in found})} fixtures: "
             f"generated in {generated:.1f}s, checked in {checked:.1f}s on {workers} processes"]
    if jar is None:
        lines.append("note: no JDK here, so the variants of the jar fixture were skipped")
    return (lines + table(outcomes) + harm(outcomes) + lookalikes(outcomes) + reasons(outcomes)
            + applicability())


def table(outcomes: list[Outcome]) -> list[str]:
    rewriting = [o for o in outcomes if not o.lookalike and o.status != "skipped"]
    header = (f"{'refactoring':<18} {'variants':>8} {'valid':>6} {'migrated':>8} {'manual':>7} "
              f"{'missed':>7} {'broken':>7} {'migrated/valid':>15}")
    lines = ["", "rewriting variants, by refactoring applied (a variant counts under each of its own):",
             header]
    for name in (*NAMES, "all"):
        rows = [o for o in rewriting if name == "all" or name in o.refactorings]
        valid = [o for o in rows if o.valid]
        counts = collections.Counter(o.status for o in valid)
        rate = f"{100 * counts['migrated'] / len(valid):.1f}%" if valid else "-"
        lines.append(f"{name:<18} {len(rows):>8} {len(valid):>6} {counts['migrated']:>8} "
                     f"{counts['manual']:>7} {counts['missed']:>7} {counts['broken']:>7} {rate:>15}")
    invalid = [o for o in rewriting + [o for o in outcomes if o.lookalike] if not o.valid]
    for outcome in invalid[:10]:
        lines.append(f"  GENERATOR BUG (variant not valid): {outcome}")
    return lines


def harm(outcomes: list[Outcome]) -> list[str]:
    lines = ["", "harm done by the run (over all checked variants):"]
    for kind in HARMS:
        hit = [o for o in outcomes if o.harms.get(kind)]
        total = sum(o.harms.get(kind, 0) for o in outcomes)
        example = f" (e.g. {hit[0].variant})" if hit else ""
        lines.append(f"  {kind}: {total} file(s) in {len(hit)} variant(s){example}")
    return lines


def lookalikes(outcomes: list[Outcome]) -> list[str]:
    found = [o for o in outcomes if o.lookalike]
    counts = collections.Counter(o.status for o in found)
    lines = ["", f"look-alike variants: {len(found)}, valid {sum(o.valid for o in found)}, "
                 f"left byte-identical with no Marketplace finding {counts['untouched']}, "
                 f"harmed {counts['harmed']}"]
    for outcome in [o for o in found if o.status == "harmed"][:8]:
        lines.append(f"  {outcome}")
    return lines


def normalise(text: str) -> str:
    """A message with its particulars (names, lines, ports, paths) blanked, for grouping."""
    text = re.sub(r"http://127\.0\.0\.1:\d+", "<emulator>", text)
    text = re.sub(r"\b[\w/]+\.py\b", "<file>", text)
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\b(line|lines) \d+", r"\1 N", text)
    text = re.sub(r"\(([^()]{0,60})\)", "(…)", text)
    return text if len(text) <= 170 else text[:167] + "..."


def reasons(outcomes: list[Outcome]) -> list[str]:
    lines = ["", "why variants were not migrated, most common first (count of variants, "
                 "status, reason, an example):"]
    groups: dict[tuple[str, str], list[Outcome]] = collections.defaultdict(list)
    for outcome in outcomes:
        if outcome.lookalike or outcome.status not in STATUSES[1:] or not outcome.valid:
            continue
        for cause in {normalise(c) for c in outcome.causes or ["(no reason given)"]}:
            groups[(outcome.status, cause)].append(outcome)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    for (status, cause), members in ranked[:25]:
        example = min(members, key=lambda o: (len(o.refactorings), o.variant))
        lines.append(f"  {len(members):>4}  {status:<7} {cause}")
        lines.append(f"        e.g. {example.variant}")
    slowest = sorted(outcomes, key=lambda o: -o.seconds)[:3]
    lines.append("slowest checks: " + ", ".join(f"{o.variant} {o.seconds:.1f}s" for o in slowest))
    return lines


def applicability() -> list[str]:
    """Which fixtures each refactoring applies to on its own (with this seed's choices)."""
    found = bases()
    lines = ["", f"applicability (the refactoring alone, on the {len(found)} fixtures):"]
    for name in NAMES:
        missing = [b.name for b in found if derive(b, (name,), SEED) is None]
        lines.append(f"  {name:<17} {len(found) - len(missing):>2}/{len(found)}"
                     + (f"  not: {', '.join(missing)}" if missing else ""))
    return lines

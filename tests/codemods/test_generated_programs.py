"""Generated programs (hypothesmith) with legacy signing snippets spliced in: the run never
crashes, its output parses, and a second run changes nothing. 10 x 500 examples, split so
that parallel test workers share them; each seed's programs are drawn once and kept (see
``generated_corpus``), so a later run spends its time on the checks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from codemods.flow.plan import plan_repository
from codemods.flow.summary import FileSummary
from codemods.registry import CODEMODS, markers_of
from migrate.runner.inputs import Plan, SourceFile
from migrate.runner.transform import analyze_file, migrate_bytes
from tests.codemods.generated_corpus import committed_entry, corpus, parses_for_python
from tests.codemods.harm import harm_of
from tests.codemods.test_no_silent_misses import unaccounted

PLAN = Plan(CODEMODS, markers_of(CODEMODS))
SOURCE = SourceFile("", "generated/module.py", "generated.module")
CHUNKS, EXAMPLES, SEED = 10, 500, 7919


@pytest.fixture(scope="session")
def corpus_folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pytest's cache folder, kept between runs; a temporary one with the cache plugin off."""
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return tmp_path_factory.mktemp("generated-programs")
    return Path(cache.mkdir("generated-programs"))


def _check(source: bytes) -> str:
    # As a run goes: the first pass's summary (its tree kept for the second pass), the
    # repository plan made of it, and the rewrite with that plan.
    summary = analyze_file(SOURCE, PLAN, True, source)
    assert isinstance(summary, FileSummary), summary
    repo = plan_repository([summary], PLAN.options.target, dict(PLAN.options.renames))
    first = migrate_bytes(source, SOURCE, replace(PLAN, repo=repo))
    assert first.status in ("changed", "unchanged"), first.reason
    # No silent misses, and no harm: every legacy header name and signing call has its
    # finding; nothing but Marketplace signing changed; no unused import added.
    assert unaccounted([summary], repo) == []
    assert not harm_of([first])
    if first.new is None:
        return first.status  # a second run would be the same call on the same bytes as the first
    assert parses_for_python(first.new.decode("utf-8"))
    # A second run on the output (which parses it with LibCST) changes nothing.
    second = migrate_bytes(first.new, SOURCE, PLAN)
    assert second.status == "unchanged", second.reason
    return first.status


@pytest.mark.timeout(900)
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_spliced_programs(chunk: int, corpus_folder: Path) -> None:
    entry, programs = corpus(corpus_folder, SEED * (chunk + 1), EXAMPLES)
    outcomes, checked = [], set()
    for index, source in enumerate(programs):
        if source in checked:
            continue  # drawn again: the run is a pure function of the bytes
        checked.add(source)
        try:
            outcomes.append(_check(source))
        except Exception as exc:
            text = source.decode("utf-8", errors="replace")
            raise AssertionError(f"program {index} of {entry}: {exc}\n{text}") from exc
    # The property must not hold vacuously: the draw found its programs, and most spliced
    # snippets are migrated.
    assert len(programs) == EXAMPLES and len(checked) > EXAMPLES * 9 // 10
    assert outcomes.count("changed") > len(outcomes) // 2


def test_the_kept_programs_are_the_ones_the_seed_draws(tmp_path: Path) -> None:
    entry, drawn = corpus(tmp_path, 7919, 5)
    assert corpus(tmp_path, 7919, 5) == (entry, drawn)
    modified = entry.stat().st_mtime_ns
    entry.write_text('{"programs": ["not base64!"]}')  # half written, or not ours: drawn again
    assert corpus(tmp_path, 7919, 5) == (entry, drawn)
    assert entry.stat().st_mtime_ns != modified
    # Another count is another entry, and the old one is not kept.
    other, _ = corpus(tmp_path, 7919, 4)
    assert other != entry and sorted(tmp_path.iterdir()) == [other]


def test_every_chunk_the_suite_checks_is_committed() -> None:
    """A fresh clone checks the committed programs, drawing none (drawing them all took a
    CI run 80 s); after the snippets or the splicing change, ``python -m
    tests.codemods.generated_corpus`` commits them again."""
    missing = [seed for seed in (SEED * (chunk + 1) for chunk in range(CHUNKS))
               if not committed_entry(seed, EXAMPLES).is_file()]
    assert missing == [], "run: python -m tests.codemods.generated_corpus"

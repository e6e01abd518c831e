"""Every fixture repository: the rewrite is exactly its after/ tree, a second run changes
nothing, and the findings say what the case expects. Each case is migrated once per test
worker (the ``migrated`` fixture) and its outcome read by all four tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.codemods.conftest import Migrate
from tests.codemods.fixture_cases import CASES, Case, tree
from tests.codemods.harm import harm_of


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_rewrite_is_the_after_tree(case: Case, migrated: Migrate) -> None:
    assert migrated(case).files == tree(case.after)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_second_run_changes_nothing(case: Case, migrated: Migrate, tmp_path: Path) -> None:
    first = migrated(case)
    work = first.copy_to(tmp_path / "repo")
    from migrate.runner.run import RunRequest, run

    again = run(RunRequest(paths=(work,), write=True, allow_dirty=True, jobs=1,
                           target=case.target))
    assert [r.path for r in again.result.changed] == []
    assert tree(work) == first.files


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_findings(case: Case, migrated: Migrate) -> None:
    result = migrated(case).result
    found = {(r.path, f.line, f.scheme, f.action) for r in result.files for f in r.findings}
    expected = {(f["path"], f["line"], f["scheme"], f["action"]) for f in case.findings}
    assert expected <= found, sorted(found)
    assert not [r for r in result.files if r.status == "failed"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_harm(case: Case, migrated: Migrate) -> None:
    """No look-alike file changed, no unused import added, no legacy header taken out of a
    request without the token put in."""
    harm = harm_of(migrated(case).result.files)
    assert not harm, harm

"""Per-file facts by content: a run after one Walmart file changed parses that file again and
takes the others' summaries and second-pass facts from the cache, and reports exactly what a
run without any cache reports. On the sample seller in a real git repository."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import libcst as cst
import pytest

from codemods.flow.plan import plan_repository
from codemods.flow.summarise import summarise
from migrate.runner import facts, passes
from migrate.runner.cache import NAME
from migrate.runner.facts import digest, pack, unpack
from migrate.runner.results import RunResult
from migrate.runner.run import RunRequest, run
from tests.runner.conftest import Repo, every_case
from tests.runner.parse_count import count_parses

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample-seller"


@pytest.fixture
def seller(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "acme")
    shutil.copytree(SAMPLE / "seller", repo.path / "seller")
    repo.commit()
    moment = time.time() - 60  # a run stores nothing for files written just before it
    for path in repo.path.rglob("*.py"):
        os.utime(path, (moment, moment))
    return repo


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return count_parses(monkeypatch)


def _scan(repo: Repo, cache: bool = True) -> RunResult:
    """As ``scan`` runs: the rewritten text is never read."""
    return run(RunRequest(paths=(repo.path,), jobs=1, progress=False, cache=cache,
                          findings_only=True)).result


def _forget_runs(repo: Repo) -> None:
    """Drop the whole-run entries, keeping the per-file facts beside them."""
    for entry in (repo.path / ".git" / NAME).glob("*.json"):
        entry.unlink()


def _same(first: RunResult, second: RunResult) -> None:
    assert first.to_json() == second.to_json()
    assert first.environment == second.environment


def test_a_run_after_one_walmart_file_changed_parses_little_and_reports_the_same(
        seller: Repo, parsed: list[str]) -> None:
    _scan(seller)
    cold = len(parsed)
    walmart = sorted(p for p in (seller.path / "seller").rglob("*.py")
                     if b"WM_SEC" in p.read_bytes())
    assert len(walmart) > 2
    edited = walmart[0]
    edited.write_text(edited.read_text() + "# edited\n")
    parsed.clear()
    again = _scan(seller)
    assert str(edited.relative_to(seller.path)) in parsed
    assert len(parsed) < cold / 2
    parsed.clear()
    _same(again, _scan(seller, cache=False))
    assert len(parsed) == cold  # the reference run parsed everything


def test_an_edit_that_moves_lines_rewrites_only_that_file_again(
        seller: Repo, parsed: list[str]) -> None:
    """Lines added above the code move every position in the file, so the plan changes; the
    other files' parts of it do not, and their outcomes come from the cache (but for a
    module the rewrite empties, whose text a run always makes again)."""
    _scan(seller)
    cold = len(parsed)
    walmart = sorted(p for p in (seller.path / "seller").rglob("*.py")
                     if b"WM_SEC" in p.read_bytes())
    edited = walmart[0]
    edited.write_text("# Marketplace client\n# (moved down two lines)\n" + edited.read_text())
    parsed.clear()
    again = _scan(seller)
    made = set(parsed)
    name = str(edited.relative_to(seller.path))
    assert name in made and any(f.path == name and f.findings for f in again.files)
    reference = _scan(seller, cache=False)
    _same(again, reference)
    emptied = {r.path for r in reference.files if r.deleted}
    assert made - {name} <= emptied and len(made) < cold / 3


def test_facts_alone_answer_a_run_whose_entry_is_gone(seller: Repo, parsed: list[str]) -> None:
    first = _scan(seller)
    cold = len(parsed)
    _forget_runs(seller)
    parsed.clear()
    again = _scan(seller)
    assert len(parsed) < cold / 2
    _same(first, again)


def _deepened(text: str) -> str:
    """The entry with its value nested deeper than any summary (JSON reads it). A summary's
    entry is its outline's line, then the summary's."""
    *head, last = text.split("\n")
    entry = json.loads(last)
    if isinstance(entry, dict) and "value" in entry:
        deep: object = 1
        for _ in range(600):
            deep = [0, deep]
        entry["value"] = deep
    return "\n".join([*head, json.dumps(entry)])


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],  # cut off
    lambda text: text.replace('"kinds": [', '"kinds": ["subprocess:Popen", ', 1),
    lambda text: text.replace('"value": [', '"value": [99, ', 1),  # no such record
    lambda text: text.replace('"value": [', '"value": [[], ', 1),
    _deepened,
    lambda text: text.replace('"classes": [', '"classes": {', 1),  # a summary's outline
], ids=["cut", "foreign-class", "unknown-tag", "empty-part", "too-deep", "outline"])
def test_a_damaged_entry_is_analysed_again(seller: Repo, parsed: list[str],
                                           damage: Callable[[str], str]) -> None:
    first = _scan(seller)
    _forget_runs(seller)
    entries = list((seller.path / ".git" / NAME / "facts").glob("*/*.json"))
    assert entries
    for entry in entries:
        entry.write_text(damage(entry.read_text()))
    facts._SUMMARIES.clear()  # as a new process would, read them
    parsed.clear()
    again = _scan(seller)
    _same(first, again)
    walmart = [p for p in (seller.path / "seller").rglob("*.py") if b"WM_SEC" in p.read_bytes()]
    assert {str(p.relative_to(seller.path)) for p in walmart} <= set(parsed)


@pytest.mark.parametrize("diff", [True, False], ids=["diff", "api-default"])
def test_a_run_that_may_read_the_text_computes_every_rewritten_file(
        seller: Repo, diff: bool) -> None:
    _scan(seller)
    _forget_runs(seller)
    shown = run(RunRequest(paths=(seller.path,), jobs=1, progress=False, diff=diff)).result
    assert shown.changed and all(r.new is not None for r in shown.changed)


def test_every_fixture_summary_comes_back_equal_from_its_plain_form() -> None:
    files = sorted((ROOT / "fixtures").rglob("*.py"))
    assert len(files) > 100
    for path in files:
        summary = summarise(cst.parse_module(path.read_bytes()), f"pkg.{path.stem}", str(path))
        again = unpack(json.loads(json.dumps(pack(summary))))
        assert again == summary, path
        assert digest(again) == digest(summary), path


def test_a_shared_part_is_kept_once_and_comes_back_shared() -> None:
    """A credential reaching several header sets is one value in the summary: the kept form
    writes it once, and reading it makes one value again, however often it is used."""
    from codemods.flow.values import Env, Lit, Via

    secret = Via(Env("WALMART_PRIVATE_KEY"), Lit("x" * 200))
    value = {"a": (secret, secret), "b": [secret, (secret,)]}
    packed = pack(value)
    assert json.dumps(packed).count("x" * 200) == 1
    again = unpack(json.loads(json.dumps(packed)))
    assert again == value
    found = [again["a"][0], again["a"][1], again["b"][0], again["b"][1][0]]
    assert all(part is found[0] for part in found)
    assert digest(again) == digest(value)


@pytest.mark.parametrize("place", [-1, True, 4, "0", None])
def test_a_reference_to_no_part_written_before_is_refused(place: object) -> None:
    """A damaged reference is no index into what was read: a negative place or a boolean
    would name another part."""
    from codemods.flow.values import Lit

    packed = pack(((Lit("a"), Lit("b")), Lit("c")))  # places 0-3 are written first
    packed["value"].append([6, place])  # 6: a shared part
    with pytest.raises(ValueError, match="no part was written"):
        unpack(packed)


def test_an_entry_naming_a_class_from_elsewhere_is_refused() -> None:
    entry = {"kinds": ["subprocess:Popen"], "value": [6, "true"]}
    with pytest.raises(ValueError, match="not a module of the analysis"):
        unpack(entry)


def test_an_entry_whose_record_lost_a_field_is_refused() -> None:
    """A hand-edited or cut entry is not a value with a field missing."""
    entry = pack(plan_repository([]))
    entry["value"] = entry["value"][:-1]
    with pytest.raises(ValueError, match="fields"):
        unpack(entry)


def test_an_edit_no_value_flows_through_takes_the_plan_from_the_cache(
        seller: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan is a function of the summaries: an edit that leaves every summary as it was
    (a comment) reuses the plan made from them; one that moves a value (a line above the
    code) makes it again. Either way the run says and writes what a run without a cache does."""
    planned: list[int] = []

    def counted(files: list[Any], *args: Any) -> Any:
        planned.append(len(files))
        return plan_repository(files, *args)

    monkeypatch.setattr(passes, "plan_repository", counted)
    _scan(seller)
    assert planned
    client = seller.path / "seller" / "walmart" / "client.py"
    client.write_text(client.read_text() + "# retries are the caller's business\n")
    planned.clear()
    again = _scan(seller)
    assert planned == []
    _same(again, _scan(seller, cache=False))
    diff = run(RunRequest(paths=(seller.path,), jobs=1, progress=False, diff=True)).result
    reference = run(RunRequest(paths=(seller.path,), jobs=1, progress=False, diff=True,
                               cache=False)).result
    assert [(r.path, r.new) for r in diff.changed] == [(r.path, r.new) for r in reference.changed]
    client.write_text("# Marketplace client\n" + client.read_text())
    planned.clear()
    moved = _scan(seller)
    assert planned
    _same(moved, _scan(seller, cache=False))


def test_a_plan_from_the_cache_decodes_no_other_files_summary(
        seller: Repo, parsed: list[str]) -> None:
    """Widening the analysis reads a kept summary's first line alone (module, imports,
    classes); the summary itself is decoded only for a plan made afresh. Every other
    summary's second line is made unreadable here: a comment's edit still parses only the
    edited file, and says what a run without a cache says."""
    _scan(seller)
    _forget_runs(seller)
    summaries = [p for p in (seller.path / ".git" / NAME / "facts").glob("*/*.json")
                 if p.read_bytes().count(b"\n") == 1]
    assert len(summaries) > 2
    for entry in summaries:
        head, _, _ = entry.read_bytes().partition(b"\n")
        entry.write_bytes(head + b"\n[not a summary")
    facts._SUMMARIES.clear()  # as a new process would, read them
    client = seller.path / "seller" / "walmart" / "client.py"
    client.write_text(client.read_text() + "# retries are the caller's business\n")
    parsed.clear()
    again = _scan(seller)
    made = set(parsed)
    reference = _scan(seller, cache=False)
    _same(again, reference)
    # A module the rewrite empties has its text made again by every run (see above).
    emptied = {r.path for r in reference.files if r.deleted}
    assert made - emptied == {"seller/walmart/client.py"}


def test_the_sample_sellers_plan_comes_back_equal_from_its_plain_form() -> None:
    files = []
    for path in sorted((SAMPLE / "seller").rglob("*.py")):
        module = ".".join(path.relative_to(SAMPLE).with_suffix("").parts).removesuffix(".__init__")
        files.append(summarise(cst.parse_module(path.read_bytes()), module, str(path),
                               path.name == "__init__.py"))
    plan = plan_repository(files)
    assert plan.findings and plan.renames.old_names()
    assert unpack(json.loads(json.dumps(pack(plan)))) == plan


def test_a_run_leaves_every_summary_it_kept_as_it_was(tmp_path: Path) -> None:
    """A watching process answers from the summaries it holds (``facts._SUMMARIES``), so
    nothing after the analysis - joining, planning, rewriting - may change one: each held
    summary still has the digest it was stored under. Every fixture case in one repository,
    so that their files join one another too."""
    repo = Repo(tmp_path / "cases")
    every_case(repo)
    moment = time.time() - 60
    for path in repo.path.rglob("*.py"):
        os.utime(path, (moment, moment))
    first = _scan(repo)
    held = [kept for key, (_, kept) in facts._SUMMARIES.items() if repo.path in key[0].parents]
    assert len(held) > 40
    for kept in held:
        assert facts.digest(kept.whole()) == kept.digest
    _forget_runs(repo)  # the second run joins the held summaries
    _same(first, _scan(repo))
    for kept in held:
        assert facts.digest(kept.whole()) == kept.digest


def test_a_process_holds_one_summary_per_file_however_often_it_is_edited(seller: Repo) -> None:
    """A watch over a long session of edits: the edited file's older summaries are let go."""
    walmart = next(p for p in sorted((seller.path / "seller").rglob("*.py"))
                   if b"WM_SEC" in p.read_bytes())
    _scan(seller)

    def held() -> int:
        return sum(1 for folder, _ in facts._SUMMARIES if seller.path in folder.parents)

    before = held()
    assert before > 2
    for round_ in range(5):
        walmart.write_text(walmart.read_text() + f"VERSION_{round_} = {round_}\n")
        _scan(seller)
        assert held() == before


def test_a_summary_too_big_to_keep_is_not_kept(tmp_path: Path) -> None:
    """Shared values repeat in the plain form: 2**40 parts here, refused after a few."""
    from codemods.flow.summary import FileSummary
    from migrate.runner.inputs import SourceFile

    summary = summarise(cst.parse_module(b"import os\n"), "app.client", "app/client.py")
    shared: object = ("WM_SEC.AUTH_SIGNATURE",)
    for _ in range(40):
        shared = (shared, shared)
    summary.occurrences = [shared]  # type: ignore[list-item]
    assert isinstance(summary, FileSummary)
    cache = facts.FactsCache(tmp_path, "tool", results=True)
    source = SourceFile(str(tmp_path / "app/client.py"), "app/client.py", "app.client")
    assert cache.keep_summary(source, "content", 1 << 20, summary) is None
    assert not list(tmp_path.rglob("*.json"))


_DIGESTS = """
import sys
from pathlib import Path
import libcst as cst
from codemods.flow.summarise import summarise
from migrate.runner.facts import digest
names = {"consumer_id", "private_key", "client_id", "client_secret", "WM_SEC.AUTH_SIGNATURE"}
print(digest({"names": names, "by_name": {n: frozenset(names - {n}) for n in names},
              "by_pair": {(n, len(n)): n for n in names}}))
for path in sorted(Path(sys.argv[1]).rglob("*.py")):
    print(digest(summarise(cst.parse_module(path.read_bytes()), path.stem, str(path))))
"""


def test_a_digest_is_the_same_in_every_process() -> None:
    """Sets and dicts built from them iterate in another order under another hash seed;
    equal summaries made by two runs must still have the same digest, or no cache entry
    made by one run answers the next."""
    import subprocess
    import sys

    printed = []
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", _DIGESTS, str(SAMPLE / "seller")],
                              capture_output=True, text=True, cwd=ROOT, timeout=120,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        printed.append(done.stdout.split())
    assert len(printed[0]) > 5 and "None" not in printed[0]
    assert printed[0] == printed[1]

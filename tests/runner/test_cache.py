"""The result cache: a run with nothing changed is answered from it, byte for byte the same;
any change the outcome depends on is noticed. On the sample seller repository in a real git
repo, with the real codemods."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from migrate.runner import cache as cache_module
from migrate.runner import passes
from migrate.runner import run as run_module
from migrate.runner.cache import FOLDER, NAME
from migrate.runner.inputs import SourceFile
from migrate.runner.results import FileResult
from migrate.runner.run import Run, RunRequest, run
from migrate.runner.transform import migrate_file
from tests.runner.conftest import Repo, every_case, git

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "migrate" / "sample-seller"
CALLER = ("from seller.walmart.client import MarketplaceClient\n\n"
          "client = MarketplaceClient(consumer_id='cid', private_key='key')\n")


def _folder(repo: Repo) -> Path:
    return repo.path / ".git" / NAME


def _age(repo: Path) -> None:
    """As if the files were written a minute ago: a run never stores a result for files that
    changed just before or while it ran."""
    moment = time.time() - 60
    for path in repo.rglob("*"):
        if path.is_file() and FOLDER not in path.parts and ".git" not in path.parts:
            os.utime(path, (moment, moment))


@pytest.fixture
def seller(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "acme")
    shutil.copytree(SAMPLE / "seller", repo.path / "seller")
    repo.write("tools/report.py", "def total(rows):\n    return sum(rows)\n")
    repo.commit()
    _age(repo.path)
    return repo


def _scan(repo: Repo, **options: object) -> Run:
    return run(RunRequest(paths=(repo.path,), jobs=1, progress=False, **options))  # type: ignore[arg-type]


class _Computing(Exception):
    """The run got as far as working the result out: the cache had no answer."""


def _answered(repo: Repo, **options: object) -> bool:
    """Whether the cache answers a run with these options, asked without working anything out
    when it does not: the run stops where it would start computing."""
    def computing(*args: object, **kwargs: object) -> None:
        raise _Computing

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_module, "_compute", computing)
        try:
            return _scan(repo, **options).cached
        except _Computing:
            return False


def _same(first: Run, second: Run) -> None:
    # As text: the report lists names in the order the run found them, from the cache too.
    assert json.dumps(second.result.to_json()) == json.dumps(first.result.to_json())
    if not (first.cached or second.cached):  # an entry carries no text
        assert [(r.path, r.original, r.new) for r in second.result.files] == \
            [(r.path, r.original, r.new) for r in first.result.files]
    assert list(second.result.environment.items()) == list(first.result.environment.items())
    assert list(second.result.kept_names.items()) == list(first.result.kept_names.items())


def test_a_report_from_the_cache_lists_names_in_the_order_found(tmp_path: Path) -> None:
    """Every fixture case in one repository: the names a rewrite keeps and the environment
    variables it reads come in an order no sort gives."""
    repo = Repo(tmp_path / "cases")
    every_case(repo)
    _age(repo.path)
    first = _scan(repo)
    assert list(first.result.kept_names) != sorted(first.result.kept_names)
    second = _scan(repo)
    assert second.cached
    _same(first, second)


def test_an_unchanged_repository_is_answered_from_the_cache(seller: Repo) -> None:
    first = _scan(seller)
    assert not first.cached and first.result.changed
    second = _scan(seller)
    assert second.cached
    _same(first, second)
    # The cache stays out of the seller's way: inside .git, tagged for backup tools.
    assert git(seller.path, "status", "--porcelain", "--ignored") == ""
    assert (_folder(seller) / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f59")


def test_editing_an_unrelated_file_keeps_the_cache(seller: Repo) -> None:
    first = _scan(seller)
    seller.write("tools/report.py", "def total(rows):\n    return sum(rows) or 0\n")
    _age(seller.path)
    second = _scan(seller)
    assert second.cached
    _same(first, second)


def test_apply_check_declaring_the_runtime_is_answered_from_the_caches(
        seller: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether a file gains ``import shim`` is a fact the caches keep: ``apply --check`` in a
    project with a manifest needs no rewritten text to count the manifest's edit."""
    seller.write("requirements.txt", "requests\n")
    seller.commit("requirements")
    _age(seller.path)
    check = {"declare_runtime": True, "findings_only": True}
    first = _scan(seller, **check)
    assert not first.cached
    manifest = next(r for r in first.result.changed if r.path == "requirements.txt")
    assert manifest.new is not None and b"walmart-migrate>=" in manifest.new
    assert _answered(seller, **check)
    second = _scan(seller, **check)
    assert second.cached
    _same_facts(first, second)
    # An edit that changes no plan: every rewritten file is answered by its facts.
    report = seller.path / "tools" / "report.py"
    report.write_text(report.read_text() + "# consumer_id and private_key are not read here\n")
    _age(seller.path)
    rewritten: list[str] = []

    def counted(source: SourceFile, *args: Any) -> FileResult:
        rewritten.append(source.display)
        return migrate_file(source, *args)

    monkeypatch.setattr(passes, "migrate_file", counted)
    third = _scan(seller, **check)
    gaining = {r.path for r in first.result.changed if r.gains_shim}
    assert not third.cached and "tools/report.py" in rewritten
    assert gaining and not gaining & set(rewritten)
    _same_facts(first, third)


def _same_facts(first: Run, second: Run) -> None:
    """The same statuses, findings and manifest edit; rewritten code comes without text."""
    assert second.result.to_json() == first.result.to_json()
    assert [r.new for r in second.result.files if r.manifest] == \
        [r.new for r in first.result.files if r.manifest]


def test_editing_a_walmart_file_is_noticed(seller: Repo) -> None:
    first = _scan(seller)
    client = seller.path / "seller" / "canada" / "client.py"
    client.write_text("# Canada storefront\n" + client.read_text())  # every finding moves a line
    _age(seller.path)
    second = _scan(seller)
    assert not second.cached
    lines = {f.line for r in second.result.files if r.path.endswith("canada/client.py") for f in r.findings}
    assert lines == {f.line + 1 for r in first.result.files if r.path.endswith("canada/client.py")
                     for f in r.findings}


def test_a_new_marker_or_a_new_caller_joins_the_run(seller: Repo) -> None:
    _scan(seller)
    report = seller.read("tools/report.py")
    seller.write("tools/report.py", "HEADER = 'WM_SEC.AUTH_SIGNATURE'\n")
    _age(seller.path)
    assert not _answered(seller)
    seller.write("tools/report.py", report)  # as it was: only the caller below is new
    # A file without a marker that calls a client whose parameters are renamed.
    seller.write("tools/main.py", CALLER)
    _age(seller.path)
    third = _scan(seller)
    assert not third.cached
    main = next(r for r in third.result.files if r.path.endswith("tools/main.py"))
    assert main.new is not None and b"client_id='cid'" in main.new
    assert _scan(seller).cached  # the run the caller joined is the one remembered


def test_a_new_settings_module_is_noticed(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "shop")
    repo.write("shop/__init__.py", "")
    repo.write("shop/client.py", (SAMPLE / "seller" / "inventory" / "updater.py").read_text()
               .replace("from seller import settings", "from shop import settings"))
    repo.commit()
    _age(repo.path)
    before = _scan(repo)
    assert _scan(repo).cached
    settings = (SAMPLE / "seller" / "settings.py").read_text()
    repo.write("shop/settings.py", settings)  # no marker in it: found through the import
    _age(repo.path)
    after = _scan(repo)
    assert not after.cached
    assert any(r.path.endswith("shop/settings.py") and r.status == "changed" for r in after.result.files)
    assert before.result.to_json() != after.result.to_json()


def test_other_options_and_another_version_do_not_share_an_entry(seller: Repo,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _scan(seller)
    rollout = _scan(seller, target="rollout")
    assert not rollout.cached
    assert all(b"auth_headers(" in (r.new or b"") for r in rollout.result.changed
               if not r.path.endswith("settings.py") and not r.path.endswith("signing.py"))
    assert _scan(seller).cached and _scan(seller, target="rollout").cached
    monkeypatch.setattr(cache_module, "__version__", "99.0")
    assert not _answered(seller)


def test_apply_after_a_cached_scan_computes_what_it_writes(seller: Repo, tmp_path: Path) -> None:
    twin = Repo(tmp_path / "twin")
    shutil.copytree(seller.path / "seller", twin.path / "seller")
    twin.commit()
    _scan(seller)
    assert _answered(seller)
    assert not _answered(seller, diff=True)  # the diff prints text: computed now
    written = _scan(seller, write=True)
    assert not written.cached and all(r.written for r in written.result.changed)
    _scan(twin, write=True, cache=False)
    for path in sorted((twin.path / "seller").rglob("*.py")):
        assert (seller.path / path.relative_to(twin.path)).read_bytes() == path.read_bytes()
    assert not _answered(seller)  # the files changed: the next run works it out again


def test_an_apply_that_rewrites_stores_nothing(seller: Repo) -> None:
    # Its own writes would make the entry stale at once: only a run that leaves the files as
    # they are is worth remembering.
    written = _scan(seller, write=True)
    assert not written.cached and all(r.written for r in written.result.changed)
    assert not list(_folder(seller).glob("*.json"))
    _age(seller.path)
    settled = _scan(seller, write=True)
    assert not settled.cached and not settled.result.changed
    assert _scan(seller, write=True).cached


def test_a_broken_or_planted_entry_is_ignored(seller: Repo) -> None:
    first = _scan(seller)
    (entry,) = _folder(seller).glob("*.json")
    for content in (b"", b"{not json", b'{"format": 1}', json.dumps({"format": 1, "inputs": 3}).encode(),
                    b"\x80\x04\x95 pickle"):
        entry.write_bytes(content)
        assert not _answered(seller)
    # The run the last of them leaves to work it out gets the same result as the first.
    again = _scan(seller)
    assert not again.cached
    _same(first, again)
    assert _scan(seller).cached  # the entry was written again, whole


def test_a_run_with_files_still_changing_is_not_stored(seller: Repo) -> None:
    seller.write("tools/report.py", "def total(rows):\n    return 0\n")  # just now
    _scan(seller)
    assert not _answered(seller)


def test_a_cache_that_cannot_be_written_is_no_obstacle(seller: Repo) -> None:
    _folder(seller).write_text("a file where the cache folder would go\n")
    first, second = _scan(seller), _scan(seller)
    assert not first.cached and not second.cached
    _same(first, second)
    assert _folder(seller).read_text() == "a file where the cache folder would go\n"


def test_no_cache_leaves_no_trace(seller: Repo) -> None:
    done = subprocess.run([sys.executable, "-m", "migrate", "scan", "--no-cache", "."],
                          cwd=seller.path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert not _folder(seller).exists() and not (seller.path / FOLDER).exists()


def test_a_cached_run_does_not_load_the_codemods(seller: Repo) -> None:
    _scan(seller)
    probe = ("import sys\nfrom pathlib import Path\nfrom migrate.runner.run import RunRequest, run\n"
             f"done = run(RunRequest(paths=(Path({str(seller.path)!r}),), progress=False))\n"
             "print(done.cached, 'libcst' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    assert out.split() == ["True", "False"]

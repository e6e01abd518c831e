"""A repository left half migrated (a run killed, a hand edit, one file restored) is found
by `scan`, never called clean; migrated and legacy code alike stay clean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from migrate.runner import consistency
from migrate.runner.consistency import find_inconsistencies
from migrate.runner.discover import discover
from migrate.runner.inputs import SourceFile
from migrate.runner.modules import module_of
from migrate.runner.run import RunRequest, run
from tests.codemods.fixture_cases import CASES
from tests.runner.conftest import Repo, git
from tests.runner.test_cache import SAMPLE

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture(scope="module")
def migrated_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample seller, migrated by a real `apply` and committed."""
    seller = Repo(tmp_path_factory.mktemp("migrated") / "acme")
    shutil.copytree(SAMPLE / "seller", seller.path / "seller")
    seller.commit("legacy")
    done = seller.run("apply", ".", toys=False)
    assert done.code == 0, done.err
    seller.commit("migrated")
    clean = seller.run("scan", ".", toys=False)
    assert clean.code == 0 and "hybrid" not in clean.out, clean.out
    return seller.path


@pytest.fixture
def migrated(migrated_once: Path, tmp_path: Path) -> Repo:
    """A copy of it for one test, git history included."""
    shutil.copytree(migrated_once, tmp_path / "acme", symlinks=True)
    return Repo(tmp_path / "acme", init=False)


def _consistency(done_out: str) -> list[tuple[str, int, str]]:
    return [(r["path"], f["line"], f["message"]) for r in json.loads(done_out)["files"]
            for f in r["findings"] if f["codemod"] == "consistency"]


def test_settings_left_legacy_is_found(migrated: Repo) -> None:
    # The run that wrote the clients was killed before it wrote the settings module.
    (migrated.path / "seller/settings.py").write_bytes(
        git(migrated.path, "show", "HEAD~1:seller/settings.py").encode())
    done = migrated.run("scan", "--format", "json", ".", toys=False)
    assert done.code == 1
    found = _consistency(done.out)
    assert ("seller/walmart/client.py", 26,
            "reads settings.WALMART_CLIENT_ID, which seller/settings.py does not define (it "
            "defines WALMART_CONSUMER_ID): the repository is half migrated; rename it in one of "
            "them, or restore an interrupted run's files from git") in found
    assert {path for path, _, _ in found} == {"seller/walmart/client.py", "seller/jobs/order_sync.py",
                                              "seller/inventory/updater.py"}
    assert migrated.run("apply", "--check", ".", toys=False).code == 1
    sarif = json.loads(migrated.run("scan", "--format", "sarif", ".", toys=False).out)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["consistency"]["shortDescription"]["text"].startswith("Credentials read under")


def test_a_reader_left_legacy_is_found(migrated: Repo) -> None:
    (migrated.path / "seller/inventory/updater.py").write_bytes(
        git(migrated.path, "show", "HEAD~1:seller/inventory/updater.py").encode())
    done = migrated.run("scan", "--format", "json", ".", toys=False)
    assert done.code == 1
    assert [m for path, _, m in _consistency(done.out) if path == "seller/inventory/updater.py"] == [
        "reads settings.WALMART_CONSUMER_ID, which seller/settings.py does not define (it "
        "defines WALMART_CLIENT_ID): the repository is half migrated; rename it in one of them, "
        "or restore an interrupted run's files from git",
        "reads settings.WALMART_PRIVATE_KEY, which seller/settings.py does not define (it "
        "defines WALMART_CLIENT_SECRET): the repository is half migrated; rename it in one of "
        "them, or restore an interrupted run's files from git"]


def _sources(root: Path) -> list[SourceFile]:
    found = discover([root], root, root)
    packages: dict[Path, str] = {}
    return [SourceFile(str(p), d, *module_of(p, root, packages)) for p, d in found.files]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_fixture_is_clean_before_and_after(case: object) -> None:
    for tree in (case.before, case.after):  # type: ignore[attr-defined]
        assert find_inconsistencies(_sources(tree), {}, 2 * 1024 * 1024) == {}, tree


SETTINGS = "import os\nWALMART_CONSUMER_ID = os.environ['WALMART_CONSUMER_ID']\n"


@pytest.mark.parametrize(("settings", "reader"), [
    # A module that can define any name is never judged.
    (SETTINGS + "def __getattr__(name):\n    return os.environ[name]\n",
     "from shop import settings\nID = settings.WALMART_CLIENT_ID\n"),
    (SETTINGS + "from shop.defaults import *\n",
     "from shop import settings\nID = settings.WALMART_CLIENT_ID\n"),
    (SETTINGS + "globals()['WALMART_CLIENT_ID'] = WALMART_CONSUMER_ID\n",
     "from shop.settings import WALMART_CLIENT_ID\n"),
    # The name is defined after all: in a branch, by a loop, through 'global'.
    (SETTINGS + "if os.environ.get('OAUTH'):\n    WALMART_CLIENT_ID = WALMART_CONSUMER_ID\n",
     "from shop import settings\nID = settings.WALMART_CLIENT_ID\n"),
    (SETTINGS + "def load():\n    global WALMART_CLIENT_ID\n    WALMART_CLIENT_ID = 'x'\n",
     "import shop.settings\nID = shop.settings.WALMART_CLIENT_ID\n"),
    # 'settings' here is another object (a parameter), not the module.
    (SETTINGS, "from shop import settings\n\ndef client(settings):\n    return settings.WALMART_CLIENT_ID\n"),
    # Nothing says which name is right: no counterpart defined.
    ("import os\nTIMEOUT = 3\n", "from shop import settings\nID = settings.WALMART_CLIENT_ID\n"),
], ids=["getattr", "star-import", "globals", "branch", "global", "parameter", "no-counterpart"])
def test_what_is_never_a_finding(tmp_path: Path, settings: str, reader: str) -> None:
    shop = Repo(tmp_path / "repo", init=False)
    shop.write("shop/__init__.py", "")
    shop.write("shop/settings.py", settings)
    shop.write("shop/client.py", reader)
    assert find_inconsistencies(_sources(shop.path), {}, 2 * 1024 * 1024) == {}


def test_project_renames_and_from_imports(tmp_path: Path) -> None:
    shop = Repo(tmp_path / "repo", init=False)
    shop.write("shop/__init__.py", "")
    shop.write("shop/settings.py", "WALMART_CID = 'x'\n")
    shop.write("shop/client.py", "from .settings import WALMART_CLIENT_ID\n")
    found = find_inconsistencies(_sources(shop.path), {"WALMART_CID": "WALMART_CLIENT_ID"},
                                 2 * 1024 * 1024)
    assert [(f.line, f.column, f.scheme, f.action) for f in found["shop/client.py"]] == [
        (1, 1, "hybrid", "manual")]
    assert "reads from shop.settings import WALMART_CLIENT_ID" in found["shop/client.py"][0].message


def test_a_run_after_a_warm_one_checks_again_only_the_files_that_changed(
        migrated: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check reads every file of the repository; a later run takes each unchanged file's
    answer from the cache folder, and a changed file - here one that makes the repository
    half migrated - is read and judged again."""
    read: list[str] = []
    original = consistency._Files.data

    def counted(files: consistency._Files, source: SourceFile) -> bytes | None:
        read.append(source.display)
        return original(files, source)

    monkeypatch.setattr(consistency._Files, "data", counted)

    def scan() -> list[tuple[str, int]]:
        read.clear()
        done = run(RunRequest(paths=(migrated.path,), jobs=1, progress=False, findings_only=True))
        return [(r.path, f.line) for r in done.result.files for f in r.findings
                if f.codemod == consistency.CODEMOD]

    assert scan() == []
    assert scan() == [] and read == []
    (migrated.path / "seller/settings.py").write_bytes(
        git(migrated.path, "show", "HEAD~1:seller/settings.py").encode())
    assert ("seller/walmart/client.py", 26) in scan()
    assert set(read) == {"seller/settings.py"}
    assert ("seller/walmart/client.py", 26) in scan() and read == []

"""A run after one file changed reads that file and what the analysis follows from it, not
every file of the repository: a file an earlier run did not read, unchanged since, answers
the questions that run asked of it unread. Whatever the edit, the run says and writes what a
run without any cache does - on the sample seller in a real git repository."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Callable

import pytest

from migrate.runner import analysis, passes
from migrate.runner.run import RunRequest, run
from tests.codemods.fixture_cases import FIXTURES
from tests.runner.conftest import Repo

SAMPLE = Path(__file__).resolve().parents[2] / "migrate" / "sample-seller"
BOOT = "from seller.warehouse import feed\n\n\ndef start():\n    return feed()\n"
LOADER = "MODULES = ['seller.walmart.signing']\n"


@pytest.fixture
def seller(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "acme")
    shutil.copytree(SAMPLE / "seller", repo.path / "seller")
    repo.write("tools/report.py", "def total(rows):\n    return sum(rows)\n")
    repo.write("seller/warehouse.py", "def feed():\n    return []\n")
    repo.write("tools/boot.py", BOOT)  # imports what only a later edit makes Walmart code
    repo.write("tools/a_loader.py", LOADER)  # two files name the module the rewrite deletes
    repo.write("tools/b_loader.py", LOADER)
    repo.commit()
    _age(repo)
    return repo


def _age(repo: Repo) -> None:
    moment = time.time() - 60  # a run stores nothing for files written just before it
    for path in repo.path.rglob("*.py"):
        os.utime(path, (moment, moment))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the run's prefilter and analysis read (the cache's own checks aside)."""
    read: list[str] = []

    class Counted(type(Path())):  # type: ignore[misc]
        def read_bytes(self) -> bytes:
            read.append(self.as_posix())
            return bytes(super().read_bytes())

    monkeypatch.setattr(passes, "Path", Counted)
    monkeypatch.setattr(analysis, "Path", Counted)
    return read


def _same_as_without_cache(repo: Repo) -> None:
    for diff in (False, True):
        cached = run(RunRequest(paths=(repo.path,), jobs=1, progress=False, diff=diff,
                                findings_only=not diff)).result
        fresh = run(RunRequest(paths=(repo.path,), jobs=1, progress=False, diff=diff,
                               findings_only=not diff, cache=False)).result
        assert cached.to_json() == fresh.to_json()
        assert cached.environment == fresh.environment
        if diff:
            assert [(r.path, r.new) for r in cached.changed] == \
                [(r.path, r.new) for r in fresh.changed]


def _scan(repo: Repo) -> None:
    run(RunRequest(paths=(repo.path,), jobs=1, progress=False, findings_only=True))


def _read(reads: list[str], repo: Repo) -> set[str]:
    return {str(Path(r).relative_to(repo.path)) for r in reads}


def test_after_a_walmart_file_changed_the_quiet_files_are_not_read(
        seller: Repo, reads: list[str]) -> None:
    _scan(seller)
    assert "tools/report.py" in _read(reads, seller)  # the first run reads everything
    client = seller.path / "seller" / "walmart" / "client.py"
    client.write_text(client.read_text() + "# retried by the caller\n")
    _age(seller)
    reads.clear()
    _scan(seller)
    read = _read(reads, seller)
    assert "seller/walmart/client.py" in read
    # a_loader.py named the module the rewrite deletes, so the question stopped there: it
    # is asked again, of both loaders.
    assert not read & {"tools/report.py", "tools/boot.py"}, " ".join(sorted(read))
    _same_as_without_cache(seller)


def test_a_question_the_earlier_run_never_asked_is_put_to_the_quiet_files(
        seller: Repo, reads: list[str]) -> None:
    _scan(seller)
    # The warehouse module becomes Walmart code: who imports it is a new question.
    legacy = (seller.path / "seller" / "jobs" / "order_sync.py").read_text()
    seller.write("seller/warehouse.py", legacy + "\n\ndef feed():\n    return []\n")
    _age(seller)
    reads.clear()
    _scan(seller)
    read = _read(reads, seller)
    assert "tools/boot.py" in read  # quiet until now: unread, it would be missed
    _same_as_without_cache(seller)


def test_a_module_still_named_by_a_quiet_file_is_kept(seller: Repo, reads: list[str]) -> None:
    """The first run stopped asking at the first file naming the module; the other was never
    asked, so when the first stops naming it the second is read, and the module stays."""
    _scan(seller)
    seller.write("tools/a_loader.py", "MODULES = []\n")
    _age(seller)
    reads.clear()
    kept = run(RunRequest(paths=(seller.path,), jobs=1, progress=False, diff=True)).result
    assert "tools/b_loader.py" in _read(reads, seller)
    signing = next(r for r in kept.files if r.path == "seller/walmart/signing.py")
    assert not signing.deleted
    _same_as_without_cache(seller)
    seller.write("tools/b_loader.py", "MODULES = []\n")
    _age(seller)
    gone = run(RunRequest(paths=(seller.path,), jobs=1, progress=False, diff=True)).result
    assert next(r for r in gone.files if r.path == "seller/walmart/signing.py").deleted
    _same_as_without_cache(seller)


def test_an_edit_to_a_quiet_file_puts_every_question_to_it(seller: Repo) -> None:
    _scan(seller)
    seller.write("tools/report.py", "from seller.walmart.client import MarketplaceClient\n\n"
                 "client = MarketplaceClient(consumer_id='cid', private_key='key')\n")
    _age(seller)
    _same_as_without_cache(seller)
    done = run(RunRequest(paths=(seller.path,), jobs=1, progress=False, diff=True)).result
    report = next(r for r in done.files if r.path == "tools/report.py")
    assert report.new is not None and b"client_id='cid'" in report.new


CASES = ["httpx_event_hook_dataclass", "zip_names_bytes_signature", "urllib_retry_kwonly",
         "resource_apis_request_dispatch", "prepared_request_signer", "lookalikes_untouched",
         "base_class_digest_steps", "settings_module", "mixin_signing_chain",
         "session_helper_module"]


@pytest.mark.parametrize("case", CASES)
def test_edits_one_after_another_say_what_a_run_without_cache_says(tmp_path: Path,
                                                                  case: str) -> None:
    repo = Repo(tmp_path / case)
    shutil.copytree(FIXTURES / case / "before", repo.path, dirs_exist_ok=True)
    repo.write("ops/metrics.py", "def count(items):\n    return len(items)\n")
    repo.commit()
    _age(repo)
    _scan(repo)
    walmart = sorted(p for p in repo.path.rglob("*.py")
                     if ".git" not in p.parts and b"WM_" in p.read_bytes())
    first = walmart[0]
    module = ".".join(first.relative_to(repo.path).with_suffix("").parts)
    edits: list[Callable[[], object]] = [
        lambda: first.write_text(first.read_text() + "# reviewed\n"),
        lambda: first.write_text(first.read_text().replace("consumer_id", "merchant_consumer_id")),
        lambda: repo.write("ops/wiring.py", f"import {module}\n\nSTARTED = {module}\n"),
        lambda: repo.write("ops/metrics.py", "from ops import wiring\n\nSECRET_NAME = "
                           "'WALMART_PRIVATE_KEY'\n"),
    ]
    for edit in edits:
        edit()
        _age(repo)
        _same_as_without_cache(repo)


SIGNER = '''import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def sign(private_key, text):
    key = serialization.load_pem_private_key(private_key.encode(), password=None)
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
'''
USES = '''import time

from app import constants
from sig import signer


def headers(consumer_id, private_key, url):
    ts = str(int(time.time() * 1000))
    text = f"{consumer_id}\\n{url}\\nGET\\n{ts}\\n"
    return {constants.SIGNATURE: signer.sign(private_key, text), constants.TIMESTAMP: ts,
            constants.CONSUMER: consumer_id}
'''


def test_a_file_that_answered_yes_is_asked_again(tmp_path: Path) -> None:
    """A client importing a signing module answers yes to "who imports the signer", yet joins
    only when it also leads to Walmart code; after the constants it imports become Walmart
    code it does, and the run must not take it for a file it knows the answers of."""
    repo = Repo(tmp_path / "shop")
    repo.write("sig/__init__.py", "")
    repo.write("sig/signer.py", SIGNER)
    repo.write("app/__init__.py", "")
    repo.write("app/constants.py", "SIGNATURE = 'X-Signature'\nTIMESTAMP = 'X-Timestamp'\n"
                                   "CONSUMER = 'X-Consumer'\n")
    repo.write("app/uses.py", USES)
    repo.write("app/other.py", "from sig import signer\n\nSIGN = signer.sign\n")
    repo.commit()
    _age(repo)
    _scan(repo)
    repo.write("app/constants.py", "SIGNATURE = 'WM_SEC.AUTH_SIGNATURE'\n"
                                   "TIMESTAMP = 'WM_SEC.TIMESTAMP'\nCONSUMER = 'WM_CONSUMER.ID'\n")
    _age(repo)
    _same_as_without_cache(repo)


def test_a_module_on_an_import_chain_followed_is_an_input(tmp_path: Path) -> None:
    """The signer leads to the Walmart code only through modules with no marker: when the
    first stops importing the next, the earlier result no longer holds."""
    repo = Repo(tmp_path / "shop")
    repo.write("sig/__init__.py", "")
    repo.write("sig/signer.py", "from sig import names\n\n" + SIGNER)
    repo.write("sig/names.py", "from sig import deep\n\nHEADER = deep.HEADER\n")
    repo.write("sig/deep.py", "from app import constants\n\nHEADER = constants.SIGNATURE\n")
    repo.write("app/__init__.py", "")
    repo.write("app/constants.py", "SIGNATURE = 'WM_SEC.AUTH_SIGNATURE'\n"
                                   "TIMESTAMP = 'WM_SEC.TIMESTAMP'\nCONSUMER = 'WM_CONSUMER.ID'\n")
    repo.write("app/report.py", "def total(rows):\n    return sum(rows)\n")
    repo.commit()
    _age(repo)
    _same_as_without_cache(repo)
    repo.write("sig/names.py", "HEADER = 'X-Signature'\n")
    _age(repo)
    _same_as_without_cache(repo)


def test_a_new_importer_of_a_module_the_rewrite_deletes_is_noticed(tmp_path: Path) -> None:
    """An unrelated file that starts importing a module the rewrite deletes (one the run read
    as a dependency, not as Walmart code): the cached "would delete" no longer holds."""
    repo = Repo(tmp_path / "sync")
    shutil.copytree(FIXTURES / "key_loaded_once_pem" / "before", repo.path, dirs_exist_ok=True)
    repo.write("ops/metrics.py", "def count(items):\n    return len(items)\n")
    repo.commit()
    _age(repo)
    first = run(RunRequest(paths=(repo.path,), jobs=1, progress=False, findings_only=True))
    assert next(r for r in first.result.files if r.path == "wmsync/keys.py").deleted
    repo.write("ops/metrics.py", "import wmsync.keys\n\nKEYS = wmsync.keys\n")
    _age(repo)
    again = run(RunRequest(paths=(repo.path,), jobs=1, progress=False, findings_only=True))
    assert not next(r for r in again.result.files if r.path == "wmsync/keys.py").deleted
    _same_as_without_cache(repo)

"""The result cache cannot be planted: a repository carries no entry the tool reads, an entry
carries no text the tool writes, and another Python or LibCST does not reuse one. Real git
repositories and clones, the real codemods, the real command line."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from migrate.runner.cache import FOLDER, NAME, _libcst_version
from tests.runner.conftest import Repo, git
from tests.runner.test_cache import SAMPLE, _age, _answered, _scan


def _entries(repo: Path) -> list[Path]:
    """Wherever this version of the tool keeps them."""
    return sorted([*(repo / ".git" / NAME).glob("*.json"), *(repo / FOLDER).glob("*.json")])


def _forged(entry: Path) -> dict[str, Any]:
    """The entry, saying there is nothing to migrate."""
    data: dict[str, Any] = json.loads(entry.read_text())
    for record in data["files"]:
        record.update(status="unchanged", findings=[], reason="", new=None)
    data["environment"], data["kept_names"] = {}, {}
    return data


def test_a_cache_committed_to_the_repository_is_never_read(tmp_path: Path) -> None:
    scratch = Repo(tmp_path / "scratch")
    shutil.copytree(SAMPLE / "seller", scratch.path / "seller")
    scratch.commit()
    _age(scratch.path)
    _scan(scratch)
    (entry,) = _entries(scratch.path)
    # A contributor commits a forged entry under the name the public version computes.
    hostile = Repo(tmp_path / "hostile")
    shutil.copytree(SAMPLE / "seller", hostile.path / "seller")
    planted = hostile.path / FOLDER / entry.name
    planted.parent.mkdir()
    planted.write_text(json.dumps(_forged(entry)))
    hostile.commit("speed up CI")
    assert FOLDER + "/" + entry.name in git(hostile.path, "ls-files")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(hostile.path), str(clone))
    done = subprocess.run([sys.executable, "-m", "migrate", "scan", "--format", "json", "."],
                          cwd=clone, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    statuses = {f["path"]: f["status"] for f in json.loads(done.stdout)["files"]}
    assert statuses["seller/walmart/client.py"] == "changed"


def test_an_entry_holds_facts_and_never_text_to_write(tmp_path: Path) -> None:
    seller = Repo(tmp_path / "acme")
    shutil.copytree(SAMPLE / "seller", seller.path / "seller")
    seller.commit()
    _age(seller.path)
    first = _scan(seller)
    assert first.result.changed
    (entry,) = _entries(seller.path)
    data = json.loads(entry.read_text())
    assert all("new" not in record for record in data["files"])
    assert entry.is_relative_to(seller.path / ".git")  # where no clone or commit carries it
    # Someone with access to the folder writes text into it: it is never what is written.
    for record in data["files"]:
        if record["status"] == "changed":
            record["new"] = base64.b64encode(b"import os\nos.system('planted')\n").decode()
    entry.write_text(json.dumps(data))
    assert _scan(seller).cached
    written = _scan(seller, write=True)
    assert not written.cached and all(r.written for r in written.result.changed)
    for path in (seller.path / "seller").rglob("*.py"):
        assert b"planted" not in path.read_bytes()
    assert b"shim.access_token(" in (seller.path / "seller/walmart/client.py").read_bytes()


def test_another_python_or_libcst_does_not_reuse_an_entry(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    seller = Repo(tmp_path / "acme")
    shutil.copytree(SAMPLE / "seller", seller.path / "seller")
    seller.commit()
    _age(seller.path)
    _scan(seller)
    assert _scan(seller).cached
    # The installed LibCST's version is read off its .dist-info folder, as metadata has it.
    assert _libcst_version() == metadata.version("libcst")
    other = tmp_path / "site-packages"  # another LibCST, as another virtualenv would have
    (other / "libcst").mkdir(parents=True)
    (other / "libcst" / "__init__.py").write_text("")
    (other / "libcst-0.0.1.dist-info").mkdir()
    real_find = importlib.util.find_spec
    with monkeypatch.context() as patch:
        patch.setattr(importlib.util, "find_spec", lambda name, *rest: (
            importlib.util.spec_from_file_location("libcst", other / "libcst" / "__init__.py")
            if name == "libcst" else real_find(name, *rest)))
        assert _libcst_version() == "0.0.1"
        assert not _answered(seller)
    with monkeypatch.context() as patch:
        patch.setattr(sys, "version", "3.99.0 (another build)")
        assert not _answered(seller)
    assert _scan(seller).cached


def test_outside_git_the_cache_is_in_the_user_cache_folder(tmp_path: Path,
                                                           user_cache: Path) -> None:
    plain = Repo(tmp_path / "plain", init=False)
    shutil.copytree(SAMPLE / "seller", plain.path / "seller")
    _age(plain.path)
    before = sorted(p.relative_to(plain.path) for p in plain.path.rglob("*"))
    _scan(plain)
    assert _scan(plain).cached
    assert sorted(p.relative_to(plain.path) for p in plain.path.rglob("*")) == before
    assert len(list((user_cache / "walmart-migrate").glob("*/*.json"))) == 1
    assert os.listdir(user_cache) == ["walmart-migrate"]

"""The result cache tells a changed file by what it holds, not by its size and time: a file
the run did not read, replaced by one with a marker of the same size and with the time kept
(``cp -p``, rsync, tar), is noticed - inside git (git vouches for what it has not seen
change) and outside it (every file hashed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from migrate.runner.contents import ContentIds, content_id
from migrate.runner.run import Run, RunRequest, run
from tests.runner.conftest import Repo, git

LEGACY = ("import time\n\n"
          "def headers(consumer_id, sign, url):\n"
          "    ts = str(int(time.time() * 1000))\n"
          "    return {'WM_SEC.AUTH_SIGNATURE': sign(url, ts), 'WM_SEC.TIMESTAMP': ts,\n"
          "            'WM_CONSUMER.ID': consumer_id}\n")
GAINED = "SIGNATURE_HEADER = 'WM_SEC.AUTH_SIGNATURE'  # the header the old client sent\n"


def _plain_like(text: str) -> str:
    """Ordinary code of exactly the length of ``text``."""
    body = "def total(rows):\n    return sum(rows)\n"
    return body + "#" * (len(text) - len(body) - 1) + "\n"


def _age(root: Path) -> None:
    moment = time.time() - 60  # a run stores nothing for files written just before it
    for path in root.rglob("*.py"):
        os.utime(path, (moment, moment))


def _scan(root: Path) -> Run:
    return run(RunRequest(paths=(root,), jobs=1, progress=False))


def _replace_keeping_size_and_time(target: Path, text: str, scratch: Path) -> None:
    before = target.stat()
    replacement = scratch / "replacement.py"
    replacement.write_text(text)
    assert replacement.stat().st_size == before.st_size
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    shutil.copy2(replacement, target)
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def _paths(result: Run) -> set[str]:
    return {Path(r.path).name for r in result.result.files}


@pytest.mark.parametrize("in_git", [True, False], ids=["git", "no-git"])
def test_a_file_gaining_a_marker_with_size_and_time_kept_is_not_missed(
        tmp_path: Path, in_git: bool) -> None:
    repo = Repo(tmp_path / "seller", init=in_git)
    repo.write("client.py", LEGACY)
    plain = repo.write("tools/report.py", _plain_like(GAINED))
    if in_git:
        repo.commit()
    _age(repo.path)
    first = _scan(repo.path)
    assert not first.cached and "report.py" not in _paths(first)
    assert _scan(repo.path).cached  # stored, and a hit while nothing changed

    _replace_keeping_size_and_time(plain, GAINED, tmp_path)

    again = _scan(repo.path)
    assert not again.cached
    assert "report.py" in _paths(again)


def test_git_vouches_only_for_files_as_its_index_has_them(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "seller")
    kept = repo.write("kept.py", "x = 1\n")
    edited = repo.write("edited.py", "y = 2\n")
    repo.commit()
    _age(repo.path)
    subprocess.run(["git", "-C", str(repo.path), "update-index", "--refresh"],
                   capture_output=True, check=False)
    edited.write_text("y = 3\n")
    new = repo.write("new.py", "z = 4\n")
    ids = ContentIds(repo.path)
    assert ids.vouched(str(kept)) and not ids.vouched(str(edited)) and not ids.vouched(str(new))
    # The vouched id is git's own, and the same as hashing the bytes.
    assert ids.of(str(kept)) == git(repo.path, "hash-object", "kept.py").strip() == \
        content_id(b"x = 1\n")
    assert ids.of(str(edited)) == content_id(b"y = 3\n")

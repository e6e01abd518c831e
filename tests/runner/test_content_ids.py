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

from migrate.runner import contents
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


# Inside git a run hashes the first changed files it meets, and asks git about the rest
# (``HASH_FIRST``); "git-asked" asks git from the first file.
WHERE = pytest.mark.parametrize(("in_git", "ask_git"),
                                [(True, False), (True, True), (False, False)],
                                ids=["git", "git-asked", "no-git"])


def _ask_git_first(monkeypatch: pytest.MonkeyPatch, ask_git: bool) -> None:
    if ask_git:
        monkeypatch.setattr(contents, "HASH_FIRST", 0)


@WHERE
def test_a_file_gaining_a_marker_with_size_and_time_kept_is_not_missed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_git: bool, ask_git: bool) -> None:
    _ask_git_first(monkeypatch, ask_git)
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


def test_git_vouches_for_no_file_it_is_told_to_skip_or_assume_unchanged(tmp_path: Path) -> None:
    """A sparse checkout's skipped file, or one marked assume-unchanged, is one git no longer
    looks at: its index entry says nothing of what the file holds now."""
    repo = Repo(tmp_path / "seller")
    skipped = repo.write("skipped.py", "x = 1\n")
    assumed = repo.write("assumed.py", "y = 2\n")
    plain = repo.write("plain.py", "z = 3\n")
    repo.commit()
    _age(repo.path)
    git(repo.path, "update-index", "--skip-worktree", "skipped.py")
    git(repo.path, "update-index", "--assume-unchanged", "assumed.py")
    skipped.write_text("x = 10\n")
    assumed.write_text("y = 20\n")
    ids = ContentIds(repo.path)
    assert ids.vouched(str(plain))
    assert not ids.vouched(str(skipped)) and not ids.vouched(str(assumed))
    assert ids.of(str(skipped)) == content_id(b"x = 10\n")
    assert ids.of(str(assumed)) == content_id(b"y = 20\n")


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


class _Hashing:
    """Counts the files ``ContentIds`` reads to hash them, by name, and its questions to git."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        self.git = 0
        read = Path.read_bytes
        ask = contents._clean_tracked

        def reading(path: Path) -> bytes:
            self.paths.append(path.name)
            return read(path)

        def asking(repository: Path) -> tuple[dict[str, str], int]:
            self.git += 1
            return ask(repository)

        monkeypatch.setattr(contents, "_clean_tracked", asking)
        monkeypatch.setattr(contents, "Path", type("CountingPath", (type(Path()),),
                                                    {"read_bytes": reading}))


def test_a_run_hashes_a_file_once_and_hands_back_its_settled_status(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch
                                                                    ) -> None:
    path = tmp_path / "report.py"
    path.write_text("x = 1\n")
    hashing = _Hashing(monkeypatch)
    ids = ContentIds(None, started_ns=time.time_ns() + 10 * contents.WINDOW_NS)
    found = ids.of(str(path))
    assert ids.of(str(path)) == found == content_id(b"x = 1\n")
    assert hashing.paths == ["report.py"]  # the second cache to ask does not hash it again
    settled = ids.settled(str(path))
    assert settled is not None and settled[1] == found
    assert settled[0] == [path.stat().st_size, path.stat().st_mtime_ns, path.stat().st_ctime_ns,
                          path.stat().st_ino]
    # Rewritten with its size and time kept: the status differs, so it is hashed again.
    (tmp_path / "scratch").mkdir()
    _replace_keeping_size_and_time(path, "y = 2\n", tmp_path / "scratch")
    assert ids.of(str(path)) == content_id(b"y = 2\n")
    assert hashing.paths == ["report.py", "report.py"]


def test_no_status_is_handed_back_for_a_file_changed_just_before_the_run(tmp_path: Path) -> None:
    path = tmp_path / "report.py"
    path.write_text("x = 1\n")
    ids = ContentIds(None)  # began now: the file changed within the window before it
    ids.of(str(path))
    assert ids.settled(str(path)) is None


@WHERE
def test_a_warm_run_records_the_statuses_it_hashed_for_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_git: bool, ask_git: bool) -> None:
    """After a checkout or a copy every file is new to the statuses an entry records: a warm
    run hashes them (or git vouches for them), and records the statuses of those it hashed
    once they have settled, so that the runs after it hash nothing - an unread file that
    changed and still answers no included."""
    _ask_git_first(monkeypatch, ask_git)
    (tmp_path / "scratch").mkdir()
    repo = Repo(tmp_path / "seller", init=in_git)
    repo.write("client.py", LEGACY)
    repo.write("tools/report.py", "def total(rows):\n    return sum(rows)\n")
    if in_git:
        repo.commit()
    _age(repo.path)
    # Every file changed just now, as after a checkout: the first run records no status.
    monkeypatch.setattr(contents, "WINDOW_NS", 10 ** 15)
    assert not _scan(repo.path).cached
    monkeypatch.setattr(contents, "WINDOW_NS", 0)  # and then they settle
    hashing = _Hashing(monkeypatch)
    assert _scan(repo.path).cached
    # Asked, git vouches for the files its index has; else each is hashed once.
    assert (hashing.git, sorted(hashing.paths)) == \
        ((1, []) if ask_git else (0, ["client.py", "report.py"]))
    hashing.paths.clear()
    hashing.git = 0
    assert _scan(repo.path).cached
    # What was hashed is taken from its status now; git's word is asked again each run (it
    # holds for one run: a file git is later told to skip, it no longer looks at).
    assert (hashing.git, hashing.paths) == ((1, []) if ask_git else (0, []))

    # An unrelated edit: the cached result holds, and the file's new id and status are kept.
    _replace_keeping_size_and_time(repo.path / "tools/report.py",
                                   "def total(rows):\n    return max(rows)\n", tmp_path / "scratch")
    assert _scan(repo.path).cached
    assert hashing.paths == ["report.py"]
    hashing.paths.clear()
    hashing.git = 0
    assert _scan(repo.path).cached
    assert (hashing.git, hashing.paths) == ((1, []) if ask_git else (0, []))


def test_an_edit_is_hashed_and_a_checkout_asks_git(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Asking git takes three processes whatever changed: a run after a few edits hashes
    them, and one after many changes (a checkout) asks git about the rest."""
    repo = Repo(tmp_path / "seller")
    repo.write("client.py", LEGACY)
    for n in range(6):
        repo.write(f"tools/report_{n}.py", f"def total_{n}(rows):\n    return sum(rows)\n")
    repo.commit()
    _age(repo.path)
    assert not _scan(repo.path).cached
    monkeypatch.setattr(contents, "WINDOW_NS", 0)
    assert _scan(repo.path).cached  # and every status is recorded
    (tmp_path / "scratch").mkdir()
    _replace_keeping_size_and_time(repo.path / "tools/report_0.py",
                                   "def total_0(rows):\n    return max(rows)\n",
                                   tmp_path / "scratch")
    hashing = _Hashing(monkeypatch)
    assert _scan(repo.path).cached
    assert (hashing.git, hashing.paths) == (0, ["report_0.py"])

    # Every file rewritten as a checkout does, with changes past what is worth hashing.
    for n in range(6):
        path = repo.path / f"tools/report_{n}.py"
        path.write_bytes(path.read_bytes())
    budget = 2 * len(b"def total_0(rows):\n    return max(rows)\n")
    monkeypatch.setattr(contents, "HASH_FIRST", budget)
    hashing.paths.clear()
    assert _scan(repo.path).cached
    assert hashing.git == 1
    # The two that fit the budget, then only what git cannot vouch for: none, but a file
    # changed within the second git's status wrote the index in.
    assert 2 <= len(hashing.paths) <= 6
    assert len(set(hashing.paths)) == len(hashing.paths)

"""Repositories git refuses, symlink loops, two repositories at once, file names that are not
UTF-8: a warning or a one-line error, never an internal error, never a silent rewrite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runner.conftest import LEGACY, MIGRATED, ROOT, Repo, git


def _no_user_git_config(tmp_path: Path) -> dict[str, str]:
    """git as a CI container sees it: no global safe.directory exception to lean on."""
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    return {"GIT_CONFIG_GLOBAL": str(empty), "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="handing the repository to another owner needs root")
def test_a_repository_git_calls_dubious_stops_apply(repo: Repo, tmp_path: Path) -> None:
    repo.write("app/client.py", LEGACY)
    repo.commit()
    repo.write("app/client.py", LEGACY + "# work in progress\n")  # uncommitted
    for path in [repo.path, *repo.path.rglob("*")]:
        os.lchown(path, 4242, 4242)  # a docker volume from another user, as git sees it
    done = repo.run("apply", ".", env=_no_user_git_config(tmp_path))
    assert done.code == 2
    (line,) = done.err.strip().splitlines()
    assert line.startswith("walmart-migrate: git cannot read the repository of ")
    assert "fatal: detected dubious ownership in repository at" in line
    assert "safe.directory" in line and line.endswith("; nothing was written")
    assert repo.read("app/client.py") == (LEGACY + "# work in progress\n").encode()


def test_a_repository_with_a_broken_config_stops_apply(repo: Repo) -> None:
    repo.write("app/client.py", LEGACY)
    repo.commit()
    repo.write("app/client.py", LEGACY + "# work in progress\n")
    with (repo.path / ".git" / "config").open("a") as config:
        config.write("[core\n")
    done = repo.run("apply", ".")
    assert done.code == 2
    assert "fatal: bad config line" in done.err and "nothing was written" in done.err
    assert len(done.err.strip().splitlines()) == 1
    assert repo.read("app/client.py") == (LEGACY + "# work in progress\n").encode()
    # scan writes nothing: it says so and goes on.
    scanned = repo.run("scan", ".")
    assert scanned.code == 1
    assert "warning: git cannot read the repository of" in scanned.err
    assert "1 file(s) scanned, 1 with Walmart signing markers" in scanned.out


def test_symlink_loops_are_warnings(repo: Repo) -> None:
    repo.write("app/client.py", LEGACY)
    os.symlink("itself", repo.path / "app" / "itself")
    os.symlink("b.py", repo.path / "app" / "a.py")
    os.symlink("a.py", repo.path / "app" / "b.py")
    os.symlink("../app", repo.path / "app" / "again")
    repo.commit()
    done = repo.run("apply", ".")
    assert done.code == 0, done.err
    assert sorted(done.err.strip().splitlines()) == [
        f"walmart-migrate: warning: app/{name}: symlink loop (it leads back to itself); skipped"
        for name in ("a.py", "b.py", "itself")]
    assert repo.read("app/client.py") == MIGRATED.encode()


def test_two_repositories_at_once_is_a_usage_error(tmp_path: Path) -> None:
    first, second = Repo(tmp_path / "first"), Repo(tmp_path / "second")
    for one in (first, second):
        one.write("client.py", LEGACY)
        one.commit()
    done = first.run("scan", ".", "../second")
    assert done.code == 2
    assert done.err.strip().splitlines() == [
        f"walmart-migrate: the paths are in different repositories: . ({first.path}), "
        f"../second ({second.path}); run walmart-migrate once per repository"]


def test_two_folders_outside_git_are_one_run(tmp_path: Path) -> None:
    shop = Repo(tmp_path / "shop", init=False)
    shop.write("orders/client.py", LEGACY)
    shop.write("stock/client.py", LEGACY)
    done = shop.run("apply", "orders", "stock")
    assert done.code == 0, done.err
    assert shop.read("orders/client.py") == shop.read("stock/client.py") == MIGRATED.encode()


def _name_or_skip(folder: Path, raw: bytes) -> str:
    name = os.fsdecode(raw)
    try:
        (folder / name).write_bytes(b"")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes UTF-8 names only")
    return name


def test_diff_of_files_whose_names_are_not_utf8(repo: Repo) -> None:
    latin = _name_or_skip(repo.path, b"caf\xe9.py")
    repo.write(latin, LEGACY)
    repo.write("d\u00e9j\u00e0.py", LEGACY)  # UTF-8: quoted by git the same way
    repo.write("orders.py", LEGACY)
    repo.write(_name_or_skip(repo.path, b"manual\xff.py"), 'h = dynamic("WM_SEC.AUTH_SIGNATURE")\n')
    repo.commit()
    done = _run_bytes(repo, "apply", "--diff", ".")
    assert done.returncode == 1, done.stderr
    assert b'diff --git "a/caf\\351.py" "b/caf\\351.py"\n' in done.stdout
    assert b"manual\\udcff.py:1:13  marketplace-signature" in done.stderr
    (repo.path / "change.patch").write_bytes(done.stdout)
    git(repo.path, "apply", "change.patch")
    assert repo.read(latin) == repo.read("d\u00e9j\u00e0.py") == MIGRATED.encode()
    # The text report prints such a name as its own bytes, as ls and git do.
    scanned = _run_bytes(repo, "scan", ".")
    assert scanned.returncode == 1, scanned.stderr
    assert b"  manual\xff.py:1:13  marketplace-signature" in scanned.stdout


def _run_bytes(repo: Repo, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "migrate", *args, "--codemod",
                           "tests.runner.toy_codemods:RenameSignatureHeader"], cwd=repo.path,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})

"""Which files a run looks at."""

from __future__ import annotations

import os
from pathlib import Path

from migrate.runner.discover import discover
from tests.runner.conftest import Repo


def _found(repo: Repo, *paths: str, include: tuple[str, ...] = (),
           exclude: tuple[str, ...] = ()) -> list[str]:
    given = [repo.path / p for p in paths] or [repo.path]
    result = discover(given, repo.path, repo.path, include, exclude)
    return sorted(display for _, display in result.files)


def test_gitignore_files_nested_and_info_exclude(repo: Repo) -> None:
    repo.write(".gitignore", "build/\n*.gen.py\n")
    repo.write("app/.gitignore", "local_*.py\n!local_keep.py\n")
    repo.write(".git/info/exclude", "scratch.py\n")
    for name in ("app/client.py", "app/local_x.py", "app/local_keep.py", "build/out.py",
                 "app/proto.gen.py", "scratch.py", "jobs/sync.py", "README.md"):
        repo.write(name, "x = 1\n")
    assert _found(repo) == ["app/client.py", "app/local_keep.py", "jobs/sync.py"]


def test_a_subfolder_still_obeys_the_gitignore_above_it(repo: Repo) -> None:
    repo.write(".gitignore", "generated/\n")
    repo.write("app/generated/x.py", "x = 1\n")
    repo.write("app/real.py", "x = 1\n")
    assert _found(repo, "app") == ["app/real.py"]


def test_tool_folders_and_virtualenvs_are_skipped(repo: Repo) -> None:
    repo.write("env/pyvenv.cfg", "home = /usr\n")
    for name in ("env/lib/x.py", "node_modules/pkg/x.py", "lib/site-packages/y.py",
                 ".tox/py/z.py", "app/__pycache__/c.py", "pkg/_vendor/six.py", "app/ok.py"):
        repo.write(name, "x = 1\n")
    assert _found(repo) == ["app/ok.py"]


def test_include_and_exclude_patterns(repo: Repo) -> None:
    for name in ("src/a.py", "src/ca/b.py", "tests/test_a.py", "tools/c.py", "src/d.pyi"):
        repo.write(name, "x = 1\n")
    assert _found(repo, include=("src/**/*.py",)) == ["src/a.py", "src/ca/b.py"]
    assert _found(repo, exclude=("src/ca/", "tests/")) == ["src/a.py", "tools/c.py"]


def test_symlinks_out_of_the_tree_are_skipped_and_inside_ones_counted_once(
        repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret_client.py").write_text("x = 1\n")
    repo.write("app/client.py", "x = 1\n")
    os.symlink(outside / "secret_client.py", repo.path / "app" / "linked_out.py")
    os.symlink(outside, repo.path / "linked_dir")
    os.symlink(repo.path / "app" / "client.py", repo.path / "app" / "alias.py")
    result = discover([repo.path], repo.path, repo.path)
    assert sorted(d for _, d in result.files) == ["app/client.py"]
    assert sorted(result.outside_links) == ["app/linked_out.py", "linked_dir"]


def test_explicit_files_are_taken_as_given_and_missing_paths_named(repo: Repo) -> None:
    repo.write(".gitignore", "ignored.py\n")
    repo.write("ignored.py", "x = 1\n")
    result = discover([repo.path / "ignored.py", repo.path / "nope.py"], repo.path, repo.path)
    assert [d for _, d in result.files] == ["ignored.py"]
    assert result.missing == [str(repo.path / "nope.py")]

"""What a person reads: each site that would change, the command to run next, the words of
the mode (nothing is "rewritten" until it is written), -q/-v, coloured diffs on a terminal only,
and the project's excludes for files named one by one (--force-exclude)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.runner.conftest import ROOT, Repo, git
from tests.terminal import on_a_terminal

SAMPLE = ROOT / "fixtures" / "sample-seller"
LOOKALIKES = ROOT / "fixtures" / "codemods" / "lookalikes_untouched" / "before"
SITES = ["would rewrite seller/inventory/updater.py:33 (header-dict)",
         "would rewrite seller/jobs/order_sync.py:16 (header-dict)",
         "would rewrite seller/walmart/client.py:41 (header-dict)",
         "would rewrite seller/settings.py (follows the rewrite",
         "would delete seller/walmart/signing.py (nothing is left in it and nothing imports it)"]


@pytest.fixture
def seller(repo: Repo) -> Repo:
    shutil.copytree(SAMPLE, repo.path, dirs_exist_ok=True)
    repo.commit()
    return repo


@pytest.mark.parametrize("command", [("scan",), ("apply", "--check")])
def test_each_site_that_would_change_and_the_command_to_run(seller: Repo, command: tuple[str, ...]) -> None:
    done = seller.run(*command, ".", toys=False)
    assert done.code == 1
    for site in SITES:
        assert site in done.out
    assert "findings: would rewrite 3, not migrated on purpose 2" in done.out
    assert done.out.rstrip().endswith("run: walmart-migrate apply .")
    assert "rewritten" not in done.out.lower()


def test_apply_diff_says_would_and_apply_says_what_it_did(seller: Repo) -> None:
    diff = seller.run("apply", "--diff", ".", toys=False)
    assert "rewritten" not in diff.err.lower() and SITES[0] in diff.err
    assert diff.err.rstrip().endswith("run: walmart-migrate apply .")
    done = seller.run("apply", ".", toys=False)
    assert done.code == 0, done.err
    assert "rewrote seller/walmart/client.py:41 (header-dict)" in done.out
    assert "deleted seller/walmart/signing.py" in done.out
    assert "findings: rewritten 3" in done.out and "would" not in done.out
    assert done.out.rstrip().endswith("then commit")


def test_named_files_are_what_the_command_names(seller: Repo) -> None:
    done = seller.run("scan", "seller/walmart/client.py", "seller/walmart/signing.py",
                      "seller/canada/client.py", toys=False)
    run_line = done.out.rstrip().splitlines()[-1]
    assert run_line.startswith("run: walmart-migrate apply ")
    assert "seller/walmart/client.py" in run_line and "canada" not in run_line


def test_code_on_oauth_is_counted_not_listed(repo: Repo) -> None:
    shutil.copytree(LOOKALIKES, repo.path, dirs_exist_ok=True)
    repo.commit()
    done = repo.run("scan", ".", toys=False)
    assert "already on OAuth 2" in done.out
    assert "already_oauth.py" not in done.out
    assert "partners/canada.py" in done.out.split("Not migrated, on purpose:")[1]
    verbose = repo.run("scan", "-v", ".", toys=False)
    assert "Already on OAuth:\n  partners/already_oauth.py:8:15  oauth" in verbose.out


def test_verbose_says_how_each_site_was_classified(seller: Repo) -> None:
    site = seller.run("scan", "-v", ".", toys=False).out.split(SITES[2] + "\n", 1)[1]
    assert site.startswith("      - WM_SEC.AUTH_SIGNATURE at seller/walmart/client.py:")


def test_quiet_keeps_only_what_to_act_on(seller: Repo) -> None:
    done = seller.run("scan", "-q", ".", toys=False)
    assert done.code == 1
    assert done.out.startswith("Would change:\n")
    assert "scanned" not in done.out and "Not migrated" not in done.out
    assert done.out.rstrip().endswith("run: walmart-migrate apply .")
    assert seller.run("scan", "-q", "-v", ".", toys=False).code == 2


def _diff(repo: Repo, *args: str, env: dict[str, str] | None = None, tty: bool = False) -> bytes:
    command = [sys.executable, "-m", "migrate", "apply", "--diff", ".", *args]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    if tty:
        return on_a_terminal(command, repo.path, environment, "stdout")[1]
    return subprocess.run(command, cwd=repo.path, capture_output=True, env=environment).stdout


def test_diffs_are_coloured_on_a_terminal_only(seller: Repo) -> None:
    red = b"\x1b[31m-"
    plain = _diff(seller)  # a pipe: plain, and git apply takes it
    assert red not in plain
    (seller.path / "change.patch").write_bytes(plain)
    git(seller.path, "apply", "--check", "change.patch")
    (seller.path / "change.patch").unlink()
    assert red in _diff(seller, tty=True)
    assert red not in _diff(seller, tty=True, env={"NO_COLOR": "1"})
    assert red not in _diff(seller, "--color", "never", tty=True)
    assert red in _diff(seller, "--color", "always")


def test_force_exclude_keeps_named_files_out(seller: Repo) -> None:
    seller.write("pyproject.toml", (SAMPLE / "pyproject.toml").read_text() +
                 '\n[tool.walmart-migrate]\nexclude = ["vendor_ca/"]\n')
    seller.write("vendor_ca/client.py", (SAMPLE / "seller" / "walmart" / "client.py").read_text())
    seller.commit()
    named = seller.run("scan", "vendor_ca/client.py", toys=False)
    assert "vendor_ca/client.py" in named.out  # named, and taken: ruff's default
    forced = seller.run("scan", "--force-exclude", "vendor_ca/client.py", toys=False)
    assert forced.code == 0 and "0 file(s) scanned" in forced.out

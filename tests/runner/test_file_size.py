"""Files above a size limit are skipped with a reason before anything parses them; the limit
is the project's or the command line's; a rename that would reach such a file holds the run
back rather than leave it reading an old name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.runner.conftest import LEGACY, MIGRATED, Repo
from tests.runner.test_cache import SAMPLE

# Parsed, this would be a syntax error: a reason that names the size shows nothing parsed it.
HUGE = ('H = {"WM_SEC.AUTH_SIGNATURE": s}\n' + "# padding\n" * 260_000 + "def broken(:\n")


def _statuses(done_out: str) -> dict[str, tuple[str, str]]:
    return {f["path"]: (f["status"], f["reason"]) for f in json.loads(done_out)["files"]}


def test_a_file_above_the_default_limit_is_skipped_unparsed(repo: Repo) -> None:
    assert 2 * 1024 * 1024 < len(HUGE) < 3 * 1024 * 1024
    repo.write("app/huge.py", HUGE)
    repo.write("app/client.py", LEGACY)
    repo.commit()
    done = repo.run("apply", "--format", "json", ".")
    assert done.code == 1, done.err  # a Walmart file was left for a person
    status, reason = _statuses(done.out)["app/huge.py"]
    assert status == "skipped"
    assert reason == ("2.5 MB, above the 2 MB limit on files to parse; exclude it, or raise "
                      "max-file-size in [tool.walmart-migrate] (or --max-file-size)")
    assert repo.read("app/huge.py") == HUGE.encode()
    assert repo.read("app/client.py") == MIGRATED.encode()


def test_the_limit_comes_from_the_project_or_the_command_line(repo: Repo) -> None:
    repo.write("pyproject.toml", '[tool.walmart-migrate]\nmax-file-size = "1KB"\n')
    repo.write("app/client.py", LEGACY + "# a comment of some length\n" * 60)
    repo.commit()
    done = repo.run("scan", "--format", "json", ".")
    assert _statuses(done.out)["app/client.py"][0] == "skipped"
    assert "above the 1 KB limit" in _statuses(done.out)["app/client.py"][1]
    assert repo.run("apply", "--max-file-size", "1MB", ".").code == 0
    assert repo.read("app/client.py").startswith(MIGRATED.encode())


def test_a_size_that_is_not_one_is_a_usage_error(repo: Repo) -> None:
    repo.write("app/client.py", LEGACY)
    repo.commit()
    done = repo.run("scan", "--max-file-size", "big", ".")
    assert done.code == 2
    assert "Invalid value for '--max-file-size': 'big' is not a size" in done.err
    assert repo.run("scan", "--max-file-size", "0", ".").code == 2
    repo.write("pyproject.toml", '[tool.walmart-migrate]\nmax-file-size = "lots"\n')
    done = repo.run("scan", ".")
    assert done.code == 2
    assert done.err.strip().endswith("[tool.walmart-migrate] max-file-size: 'lots' is not a size; "
                                     "write a number of bytes or, e.g., '4MB'")


def test_a_rename_that_reaches_a_file_too_large_holds_the_run_back(tmp_path: Path) -> None:
    seller = Repo(tmp_path / "acme")
    shutil.copytree(SAMPLE / "seller", seller.path / "seller")
    seller.write("pyproject.toml", '[tool.walmart-migrate]\nmax-file-size = "64KB"\n')
    # A large module reading the setting the run renames: renaming it elsewhere only would
    # leave this one reading a name nothing defines.
    big = seller.write("seller/reports/big.py", "from seller import settings\n\n" +
                       "# data\n" * 20_000 + "CONSUMER = settings.WALMART_CONSUMER_ID\n")
    seller.write("seller/reports/__init__.py", "")
    seller.commit()
    before = {p: p.read_bytes() for p in seller.path.rglob("*.py")}
    done = seller.run("apply", "--format", "json", ".", toys=False)
    assert done.code == 1, done.err
    statuses = _statuses(done.out)
    assert statuses["seller/walmart/client.py"][0] == "skipped"
    assert statuses["seller/walmart/client.py"][1].startswith(
        "held back: seller/reports/big.py could not be rewritten")
    assert {p: p.read_bytes() for p in seller.path.rglob("*.py")} == before
    assert big.stat().st_size > 64 * 1024

"""A run over some paths analyses the whole repository; the paths only say where writes and
reports happen, and a partial write that would break other code is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.runner.conftest import Repo

CLIENT = '''import base64
import time
import uuid

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


class Client:
    def __init__(self, consumer_id, private_key):
        self.consumer_id = consumer_id
        self.private_key = private_key

    def _sign(self, url, method, timestamp):
        key = serialization.load_der_private_key(base64.b64decode(self.private_key), None)
        message = f"{self.consumer_id}\\n{url}\\n{method}\\n{timestamp}\\n"
        raw = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode()

    def get(self, url):
        timestamp = str(int(time.time() * 1000))
        headers = {
            "WM_SVC.NAME": "Shop",
            "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
            "WM_SEC.TIMESTAMP": timestamp,
            "WM_SEC.AUTH_SIGNATURE": self._sign(url, "GET", timestamp),
            "WM_CONSUMER.ID": self.consumer_id,
        }
        return requests.get(url, headers=headers)
'''
CALLER = '''import os

from app.client import Client


def make():
    return Client(consumer_id=os.environ["CID"], private_key=os.environ["KEY"])
'''


def _seller(repo: Repo) -> None:
    repo.write("app/__init__.py", "")
    repo.write("app/client.py", CLIENT)
    repo.write("app/jobs.py", CALLER)
    repo.write("app/other.py", 'print("hello")\n')
    repo.commit()


def _constructs(repo: Repo) -> subprocess.CompletedProcess[str]:
    """Import the caller and build the client, as the seller's code does at run time."""
    code = "from app.jobs import make; print(type(make()).__name__)"
    return subprocess.run([sys.executable, "-c", code], cwd=repo.path, capture_output=True,
                          text=True, env={"CID": "id", "KEY": "key", "PATH": ""}, timeout=60)


def test_apply_to_one_file_refuses_to_leave_a_caller_broken(repo: Repo) -> None:
    _seller(repo)
    done = repo.run("apply", "app/client.py", toys=False)
    assert done.code == 2, done.err
    assert "app/jobs.py" in done.err and "--follow" in done.err
    assert "nothing was written" in done.err
    assert repo.read("app/client.py") == CLIENT.encode()
    assert repo.read("app/jobs.py") == CALLER.encode()


def test_diff_of_one_file_is_refused_too(repo: Repo) -> None:
    _seller(repo)
    done = repo.run("apply", "--diff", "app/client.py", toys=False)
    assert done.code == 2
    assert "app/jobs.py" in done.err
    assert done.out == ""


def test_follow_rewrites_the_callers_and_the_code_still_runs(repo: Repo) -> None:
    _seller(repo)
    done = repo.run("apply", "--follow", "app/client.py", toys=False)
    assert done.code == 0, done.err
    assert b"client_id=" in repo.read("app/jobs.py")
    assert b"def __init__(self, client_id, client_secret)" in repo.read("app/client.py")
    assert repo.read("app/other.py") == b'print("hello")\n'
    assert "2 file(s) scanned" in done.out


def test_listing_every_tied_file_writes_them(repo: Repo) -> None:
    _seller(repo)
    done = repo.run("apply", "app/client.py", "app/jobs.py", toys=False)
    assert done.code == 0, done.err
    assert b"client_id=" in repo.read("app/jobs.py")


def test_the_caller_alone_is_rewritten_from_what_the_whole_repository_says(repo: Repo) -> None:
    """The file given only calls the client: its keywords change only with the client."""
    _seller(repo)
    done = repo.run("apply", "app/jobs.py", toys=False)
    assert done.code == 2
    assert "app/client.py" in done.err


def test_a_partial_write_that_breaks_nothing_goes_ahead(repo: Repo) -> None:
    """Another client elsewhere is left for its own run, not a reason to refuse."""
    repo.write("billing/__init__.py", "")
    repo.write("billing/client.py", CLIENT)
    _seller(repo)
    done = repo.run("apply", "--follow", "app", toys=False)
    assert done.code == 0, done.err
    assert repo.read("billing/client.py") == CLIENT.encode()
    assert "billing" not in done.out
    assert _constructs(repo).stdout.strip() == "Client"


def test_scan_reports_only_for_the_path_but_analyses_everything(repo: Repo) -> None:
    _seller(repo)
    only = repo.run("scan", "app/other.py", toys=False)
    assert only.code == 0, only.out
    assert "1 file(s) scanned, 0 with Walmart signing markers" in only.out
    caller = repo.run("scan", "--format", "json", "app/jobs.py", toys=False)
    # The caller has no marker of its own: only the whole repository says it changes.
    assert '"path": "app/jobs.py"' in caller.out
    assert '"status": "changed"' in caller.out


def test_apply_outside_git_warns_that_there_is_no_safety_net(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "plain", init=False)
    repo.write("app/__init__.py", "")
    repo.write("app/client.py", CLIENT)
    repo.write("app/jobs.py", CALLER)
    done = repo.run("apply", "app", toys=False)
    assert done.code == 0, done.err
    assert "no safety net" in done.err
    assert _constructs(repo).stdout.strip() == "Client"


def test_a_run_over_the_repository_itself_walks_it_once(repo: Repo,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Naming the root is the whole repository already: one walk, the same files found."""
    import migrate.runner.run as run_module
    from migrate.runner.discover import Discovered, discover
    from migrate.runner.run import RunRequest, run

    _seller(repo)
    walked: list[list[Path]] = []
    def counting(paths: list[Path], *args: Any, **kwargs: Any) -> Discovered:
        walked.append(list(paths))
        return discover(paths, *args, **kwargs)

    monkeypatch.setattr(run_module, "discover", counting)
    whole = run(RunRequest(paths=(repo.path,), jobs=1, cache=False))
    assert len(walked) == 1
    part = run(RunRequest(paths=(repo.path / "app" / "jobs.py",), jobs=1, cache=False))
    assert len(walked) == 3  # the path named, then the repository around it
    assert {r.path for r in whole.result.files} >= {"app/client.py", "app/jobs.py"}
    assert part.result.scanned == 1

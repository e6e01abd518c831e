"""Files with no Walmart signing come out byte-identical, and around a rewritten site the
seller's formatting and comments stay exactly as they were."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

from migrate.runner.run import RunRequest, run
from tests.codemods.fixture_cases import tree
from tests.codemods.snippets import dedent

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _git_repo(path: Path) -> None:
    for command in (["init", "-q"], ["add", "-A"],
                    ["-c", "user.email=s@example.com", "-c", "user.name=S", "commit", "-q", "-m", "x"]):
        subprocess.run(["git", "-C", str(path), *command], check=True, capture_output=True)


def test_a_tree_of_ordinary_python_is_left_byte_identical(tmp_path: Path) -> None:
    work = tmp_path / "lib"
    for package in ("json", "email", "http", "urllib", "asyncio"):
        shutil.copytree(STDLIB / package, work / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for module in ("hmac.py", "smtplib.py", "secrets.py", "hashlib.py", "ssl.py"):
        shutil.copy(STDLIB / module, work / module)
    # Markers without signing: parsed, analysed, and still left alone.
    (work / "notes.py").write_text('"""We used to send WM_SEC.AUTH_SIGNATURE; see docs."""\n'
                                   'HEADERS_DOC = "WM_CONSUMER.ID and WM_SEC.TIMESTAMP"\n'
                                   'import hmac\nmac = hmac.new(b"k", b"m", "sha256")\n')
    _git_repo(work)
    before = tree(work)
    outcome = run(RunRequest(paths=(work,), write=True, jobs=2))
    assert outcome.result.scanned > 80
    assert [r.path for r in outcome.result.files] == ["notes.py"]
    assert outcome.result.changed == []
    assert tree(work) == before


FORMATTED = '''
import time
from .signing import sign  # the legacy helper


class Client:
    def __init__(self, consumer_id, private_key):
        self.consumer_id = consumer_id
        self.private_key = private_key

    def headers(self, url):
        ts = str(int(time.time() * 1000))
        return {  # headers for every call
            "WM_SVC.NAME" : "Acme",    # odd spacing, kept
            "WM_SEC.TIMESTAMP":ts,
            "WM_SEC.AUTH_SIGNATURE": sign(self.consumer_id,
                                          self.private_key,
                                          url, "GET", ts),   # multi-line call
            "WM_CONSUMER.ID": self.consumer_id,
            'Accept':    'application/json',
        }

    def unrelated(self):
        x = [1,2,
             3]  # untouched
        return x
'''

SIGNING = '''
import base64
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def sign(consumer_id, private_key, url, method, ts):
    key = serialization.load_der_private_key(base64.b64decode(private_key), None)
    data = f"{consumer_id}\\n{url}\\n{method}\\n{ts}\\n".encode()
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()
'''


def test_formatting_and_comments_around_a_site_are_kept(tmp_path: Path) -> None:
    work = tmp_path / "repo"
    (work / "acme").mkdir(parents=True)
    (work / "acme" / "__init__.py").write_text("")
    (work / "acme" / "client.py").write_text(dedent(FORMATTED).lstrip())
    (work / "acme" / "signing.py").write_text(dedent(SIGNING).lstrip())
    _git_repo(work)
    run(RunRequest(paths=(work,), write=True, jobs=1))
    assert (work / "acme" / "client.py").read_text() == dedent('''
        import shim


        class Client:
            def __init__(self, client_id, client_secret):
                self.client_id = client_id
                self.client_secret = client_secret

            def headers(self, url):
                return {  # headers for every call
                    "WM_SVC.NAME" : "Acme",    # odd spacing, kept
                    "WM_SEC.ACCESS_TOKEN": shim.access_token(self.client_id, self.client_secret),   # multi-line call
                    'Accept':    'application/json',
                }

            def unrelated(self):
                x = [1,2,
                     3]  # untouched
                return x
        ''').lstrip()

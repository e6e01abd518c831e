"""A signing module the migration empties - nothing left in it but its docstring - is
removed when nothing imports it any more, by ``apply`` and in ``apply --diff`` (as a deletion
``git apply`` accepts); one something still imports stays."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.runner.conftest import ROOT, Repo, git

SIGNING = '''"""Legacy request signing."""
import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def sign(consumer_id, private_key, url, method, ts):
    key = serialization.load_der_private_key(base64.b64decode(private_key), None)
    data = f"{consumer_id}\\n{url}\\n{method}\\n{ts}\\n".encode()
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()
'''

CLIENT = '''import os
import time

import requests

from shop.signing import sign


def orders():
    url = "https://marketplace.walmartapis.com/v3/orders"
    ts = str(int(time.time() * 1000))
    cid, key = os.environ["WALMART_CONSUMER_ID"], os.environ["WALMART_PRIVATE_KEY"]
    return requests.get(url, headers={"WM_SEC.TIMESTAMP": ts, "WM_CONSUMER.ID": cid,
                                      "WM_SEC.AUTH_SIGNATURE": sign(cid, key, url, "GET", ts)})
'''


def _shop(repo: Repo, *extra: tuple[str, str]) -> None:
    repo.write("shop/__init__.py", "")
    repo.write("shop/signing.py", SIGNING)
    repo.write("shop/client.py", CLIENT)
    for name, text in extra:
        repo.write(name, text)
    repo.commit()


def test_apply_removes_a_module_the_migration_empties(repo: Repo) -> None:
    _shop(repo)
    done = repo.run("apply", ".", toys=False)
    assert done.code == 0, done.err + done.out
    assert not (repo.path / "shop" / "signing.py").exists()
    client = repo.read("shop/client.py").decode()
    assert "shop.signing" not in client and "shim.access_token(" in client
    report = repo.run("scan", "--format", "json", ".", toys=False)
    assert report.code == 0, report.out


def test_the_diff_deletes_it_and_git_apply_accepts_it(repo: Repo) -> None:
    _shop(repo)
    done = subprocess.run([sys.executable, "-m", "migrate", "apply", "--diff", "."], cwd=repo.path,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stderr
    assert b"diff --git a/shop/signing.py b/shop/signing.py\ndeleted file mode 100644\n" \
        b"--- a/shop/signing.py\n+++ /dev/null\n" in done.stdout
    assert (repo.path / "shop" / "signing.py").exists()  # --diff writes nothing
    (repo.path / "change.patch").write_bytes(done.stdout)
    git(repo.path, "apply", "change.patch")
    assert not (repo.path / "shop" / "signing.py").exists()


def test_a_module_something_still_imports_stays(repo: Repo) -> None:
    _shop(repo, ("tools/audit.py", "import shop.signing\n\nprint(shop.signing.__doc__)\n"))
    done = repo.run("apply", ".", toys=False)
    assert done.code == 0, done.err + done.out
    assert repo.read("shop/signing.py") == b'"""Legacy request signing."""\n'


def test_a_variable_of_the_same_name_does_not_keep_it(repo: Repo) -> None:
    _shop(repo, ("tools/report.py", "signing = {'done': True}\nprint(signing)\n"))
    done = repo.run("apply", ".", toys=False)
    assert done.code == 0, done.err + done.out
    assert not (repo.path / "shop" / "signing.py").exists()


def test_a_module_named_in_a_string_stays(repo: Repo) -> None:
    plugin = "import importlib\n\nPLUGIN = importlib.import_module('shop.signing')\n"
    _shop(repo, ("tools/plugins.py", plugin))
    done = repo.run("apply", ".", toys=False)
    assert done.code == 0, done.err + done.out
    assert repo.read("shop/signing.py") == b'"""Legacy request signing."""\n'

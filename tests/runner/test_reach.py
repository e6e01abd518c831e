"""Which files a run reads beyond the Walmart files, with the real codemods in real git repos:
the signing code they import (and only that), and every file that imports or calls what the
rewrite would delete - so that nothing still in use is removed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from migrate.runner.run import Run, RunRequest, run
from tests.runner.conftest import Repo

ROOT = Path(__file__).resolve().parents[2]
HELPER_CASE = ROOT / "fixtures" / "codemods" / "session_helper_module" / "before"

# Other code of the seller's that still signs with the legacy helper, imported every way.
IMPORTERS = {
    "from-module": ("tools/resign.py",
                    "from sync.signing import generate_signature\n\n\n"
                    "def resign(cid, key):\n"
                    "    return generate_signature(cid, key, 'https://x/v3/orders', 'GET')\n"),
    "from-package": ("tools/resign.py",
                     "from sync import signing\n\n\n"
                     "def resign(cid, key):\n"
                     "    return signing.generate_signature(cid, key, 'https://x/v3/orders', 'GET')\n"),
    "import-dotted": ("tools/resign.py",
                      "import sync.signing\n\n\n"
                      "def resign(cid, key):\n"
                      "    return sync.signing.generate_signature(cid, key, 'https://x/v3/o', 'GET')\n"),
    "relative-in-function": ("sync/retry.py",
                             "def resign(cid, key):\n"
                             "    from .signing import generate_signature\n"
                             "    return generate_signature(cid, key, 'https://x/v3/o', 'GET')\n"),
    "parenthesised": ("tools/resign.py",
                      "from sync import (\n    orders,\n    signing,\n)\n\n\n"
                      "def resign(cid, key):\n"
                      "    return signing.generate_signature(cid, key, 'https://x/v3/o', 'GET')\n"),
}


def _apply(repo: Repo, **options: object) -> Run:
    return run(RunRequest(paths=(repo.path,), write=True, jobs=1, progress=False,
                          **options))  # type: ignore[arg-type]


def _helper_repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "seller")
    shutil.copytree(HELPER_CASE, repo.path, dirs_exist_ok=True)
    return repo


@pytest.mark.parametrize("form", sorted(IMPORTERS))
def test_a_helper_another_file_still_imports_is_kept(form: str, tmp_path: Path) -> None:
    repo = _helper_repo(tmp_path)
    name, code = IMPORTERS[form]
    repo.write(name, code)
    repo.commit()
    done = _apply(repo)
    assert b"WM_SEC.AUTH_SIGNATURE" not in repo.read("sync/orders.py")  # the site is migrated
    signing = repo.read("sync/signing.py").decode()
    assert "def generate_signature(" in signing
    assert repo.read(name) == code.encode()
    # Kept, and said so: in the report (left for a person) and above the helper itself.
    kept = [f for r in done.result.files for f in r.findings if r.path == "sync/signing.py"]
    assert [(f.action, f.line) for f in kept] == [("manual", 10)]
    assert name in kept[0].message and "generate_signature() still signs for" in kept[0].message
    assert f"# walmart-migrate: {kept[0].message}\ndef generate_signature(" in signing
    # And the seller's other code still imports and runs.
    check = subprocess.run([sys.executable, "-c", f"import {name[:-3].replace('/', '.')}"],
                           cwd=repo.path, capture_output=True, text=True, timeout=60,
                           env={**os.environ, "WALMART_CLIENT_ID": "id",
                                "WALMART_CLIENT_SECRET": "secret"})
    assert check.returncode == 0, check.stderr


def test_a_helper_no_other_file_uses_is_removed(tmp_path: Path) -> None:
    repo = _helper_repo(tmp_path)
    repo.write("tools/report.py", "from sync import orders\n\nprint(orders)\n")
    repo.write("tools/notes.py", "# generate_signature used to live in sync/signing.py\n")
    repo.commit()
    done = _apply(repo)
    assert b"def generate_signature(" not in repo.read("sync/signing.py")
    assert not [f for r in done.result.files for f in r.findings if f.action == "manual"]


CLIENT = '''\
import base64
import time

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


class WalmartClient:
    def __init__(self, consumer_id, private_key):
        self.consumer_id = consumer_id
        self.private_key = private_key

    def sign(self, url, method, timestamp):
        key = serialization.load_der_private_key(base64.b64decode(self.private_key), None)
        data = f"{self.consumer_id}\\n{url}\\n{method}\\n{timestamp}\\n".encode()
        return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()

    def orders(self):
        url = "https://marketplace.walmartapis.com/v3/orders"
        timestamp = str(int(time.time() * 1000))
        headers = {
            "WM_SEC.AUTH_SIGNATURE": self.sign(url, "GET", timestamp),
            "WM_SEC.TIMESTAMP": timestamp,
            "WM_CONSUMER.ID": self.consumer_id,
            "WM_SVC.NAME": "Walmart Marketplace",
        }
        return requests.get(url, headers=headers).json()
'''


def test_a_public_method_called_on_a_handed_instance_is_kept(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "seller")
    repo.write("acme/__init__.py", "")
    repo.write("acme/walmart.py", CLIENT)
    # No import of acme.walmart: the client is handed in.
    audit = "def audit(client):\n    return client.sign('https://x/v3/items', 'GET', '1')\n"
    repo.write("jobs/audit.py", audit)
    repo.commit()
    _apply(repo)
    migrated = repo.read("acme/walmart.py")
    assert b"WM_SEC.AUTH_SIGNATURE" not in migrated and b"def sign(" in migrated
    assert b"# walmart-migrate: sign() still signs for jobs/audit.py" in migrated
    assert repo.read("jobs/audit.py") == audit.encode()


def test_without_that_caller_the_method_goes(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "seller")
    repo.write("acme/__init__.py", "")
    repo.write("acme/walmart.py", CLIENT)
    repo.commit()
    _apply(repo)
    assert b"def sign(" not in repo.read("acme/walmart.py")


def test_signing_code_is_read_only_when_a_walmart_file_imports_it(tmp_path: Path) -> None:
    repo = _helper_repo(tmp_path)
    # Webhook verification elsewhere in the repository: hmac, but nothing to do with
    # Walmart. Broken on purpose: had it been parsed, the run would report it.
    repo.write("webhooks/shopify.py",
               "import hmac\n\ndef verify(secret, body, given)\n"
               "    return hmac.new(secret, body, 'sha256').hexdigest() == given\n")
    repo.commit()
    done = _apply(repo)
    paths = {r.path for r in done.result.files}
    assert "webhooks/shopify.py" not in paths
    assert {"sync/orders.py", "sync/signing.py"} <= paths  # the helper it imports is read


HEADERS = ('AUTH = "WM_SEC.AUTH_SIGNATURE"\nSTAMP = "WM_SEC.TIMESTAMP"\n'
           'CONSUMER = "WM_CONSUMER.ID"\n')


def test_signing_code_importing_a_walmart_module_is_read(tmp_path: Path) -> None:
    # The header names live in a constants module; the file that signs and sends has only
    # the signing calls - it is read because it imports the constants.
    repo = Repo(tmp_path / "seller")
    repo.write("acme/__init__.py", "")
    repo.write("acme/headers.py", HEADERS)
    client = (CLIENT.replace("import requests\n", "import requests\n\n"
                             "from acme.headers import AUTH, CONSUMER, STAMP\n")
              .replace('"WM_SEC.AUTH_SIGNATURE"', "AUTH").replace('"WM_SEC.TIMESTAMP"', "STAMP")
              .replace('"WM_CONSUMER.ID"', "CONSUMER"))
    assert b"WM_" not in client.replace("WM_SVC", "").encode()
    repo.write("acme/walmart.py", client)
    repo.commit()
    done = _apply(repo)
    assert "acme/walmart.py" in {r.path for r in done.result.changed}
    migrated = repo.read("acme/walmart.py")
    assert b"shim.access_token(" in migrated and b"AUTH:" not in migrated


def test_a_new_importer_of_the_helper_is_noticed_by_the_cache(tmp_path: Path) -> None:
    repo = _helper_repo(tmp_path)
    repo.commit()
    moment = time.time() - 60
    for path in repo.path.rglob("*.py"):
        os.utime(path, (moment, moment))
    scan = RunRequest(paths=(repo.path,), jobs=1, progress=False)
    first = run(scan)
    assert run(scan).cached
    repo.write(*IMPORTERS["from-module"])
    again = run(scan)
    assert not again.cached
    before = next(r for r in first.result.files if r.path == "sync/signing.py")
    after = next(r for r in again.result.files if r.path == "sync/signing.py")
    assert before.new is not None and b"def generate_signature(" not in before.new
    assert after.new is not None and b"def generate_signature(" in after.new  # now kept


# The header names live in an Enum of their own module; the client has no marker of its own
# (it spells ``Header.SIGNATURE.value``), and the signer imports neither of them.
NAMES = '''import enum


class Header(enum.Enum):
    CONSUMER_ID = "WM_CONSUMER.ID"
    TIMESTAMP = "WM_SEC.TIMESTAMP"
    SIGNATURE = "WM_SEC.AUTH_SIGNATURE"
'''

CONSTANTS = "from shop.names import Header\n\nSIGNATURE = Header.SIGNATURE.value\n"

SIGNER = '''import base64
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

KEY_FILE = os.environ.get("WALMART_PRIVATE_KEY_FILE", "~/.walmart/key.pem")


def sign(consumer_id, url, method, ts):
    with open(os.path.expanduser(KEY_FILE), "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), None)
    data = f"{consumer_id}\\n{url}\\n{method}\\n{ts}\\n".encode()
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()
'''

MARKERLESS_CLIENT = '''import os
import time

import requests

from shop import constants
from shop.names import Header
from shop.signer import sign


def orders():
    url = "https://marketplace.walmartapis.com/v3/orders"
    ts = str(int(time.time() * 1000))
    cid = os.environ["WALMART_CONSUMER_ID"]
    headers = {Header.TIMESTAMP.value: ts, Header.CONSUMER_ID.value: cid,
               constants.SIGNATURE: sign(cid, url, "GET", ts)}
    return requests.get(url, headers=headers)
'''


def test_a_client_with_no_marker_is_found_through_the_names_it_imports(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "seller")
    for name, text in (("shop/__init__.py", ""), ("shop/names.py", NAMES),
                       ("shop/constants.py", CONSTANTS), ("shop/signer.py", SIGNER),
                       ("shop/client.py", MARKERLESS_CLIENT)):
        repo.write(name, text)
    repo.commit()
    done = _apply(repo)
    client = repo.read("shop/client.py").decode()
    assert "Header.TIMESTAMP" not in client and "constants.SIGNATURE" not in client
    # The key file's setting stays in the signer's module; the client imports it from there.
    assert "import shop.signer\n" in client
    assert 'cid = os.environ["WALMART_CLIENT_ID"]' in client
    assert "shim.access_token(cid, pathlib.Path(shop.signer.KEY_FILE).expanduser()" \
        ".read_text().strip())" in client, client
    signer = repo.read("shop/signer.py").decode()
    assert "def sign(" not in signer and "WALMART_CLIENT_SECRET_FILE" in signer
    assert not [f for r in done.result.files for f in r.findings if f.action == "manual"]


RSA_SIGNER = '''import base64
import os

import rsa as pure_rsa

KEY_FILE = os.environ.get("WALMART_PRIVATE_KEY_FILE", "~/.walmart/key.pem")


def sign(consumer_id, url, method, ts):
    with open(os.path.expanduser(KEY_FILE), "rb") as handle:
        key = pure_rsa.PrivateKey.load_pkcs1(handle.read())
    data = f"{consumer_id}\\n{url}\\n{method}\\n{ts}\\n".encode()
    digest = pure_rsa.compute_hash(data, "SHA-256")
    return base64.b64encode(pure_rsa.sign_hash(digest, key, "SHA-256")).decode()
'''


def test_a_signer_using_the_rsa_package_under_an_alias_is_read(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "seller")
    for name, text in (("shop/__init__.py", ""), ("shop/names.py", NAMES),
                       ("shop/constants.py", CONSTANTS), ("shop/signer.py", RSA_SIGNER),
                       ("shop/client.py", MARKERLESS_CLIENT)):
        repo.write(name, text)
    repo.commit()
    done = _apply(repo)
    assert "shop/signer.py" in {r.path for r in done.result.files}
    assert "def sign(" not in repo.read("shop/signer.py").decode()
    assert "shim.access_token(cid, " in repo.read("shop/client.py").decode()


UUID_CLIENT = '''import base64
import os
import time
import uuid

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from secrets import read_private_key


def orders():
    url = "https://marketplace.walmartapis.com/v3/orders"
    cid = os.environ["WALMART_CONSUMER_ID"]
    ts = str(int(time.time() * 1000))
    key = serialization.load_pem_private_key(read_private_key(), None)
    data = f"{cid}\\n{url}\\nGET\\n{ts}\\n".encode()
    signature = base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()
    return requests.get(url, headers={"WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
                                      "WM_CONSUMER.ID": cid, "WM_SEC.TIMESTAMP": ts,
                                      "WM_SEC.AUTH_SIGNATURE": signature})
'''

# The repository's own secrets.py: the standard library has no read_private_key.
SECRETS = '''import os


def read_private_key():
    with open(os.environ["WALMART_PRIVATE_KEY_PATH"], "rb") as handle:
        return handle.read()
'''

VENDORED_UUID = "def uuid4():\n    return 'not the standard library'\n"


def test_standard_library_names_are_not_the_repository_s_own_code(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "seller")
    for name, text in (("client.py", UUID_CLIENT), ("secrets.py", SECRETS),
                       ("uuid.py", VENDORED_UUID)):
        repo.write(name, text)
    repo.commit()
    done = _apply(repo)
    assert repo.read("uuid.py") == VENDORED_UUID.encode()
    assert "uuid.py" not in {r.path for r in done.result.files}
    client = repo.read("client.py").decode()
    # The key came through secrets.read_private_key(), which was followed: the site migrated.
    assert "WM_SEC.ACCESS_TOKEN" in client and "str(uuid.uuid4())" in client
    assert not [f for r in done.result.files for f in r.findings if f.action == "manual"]

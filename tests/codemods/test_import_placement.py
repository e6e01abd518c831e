"""The added ``import shim`` goes where isort and ruff put it: in the third-party group, in
order. Each seller layout below is sorted before the rewrite (ruff's isort rule finds
nothing); after the real ``apply`` it still is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.runner.conftest import Repo
from tests.runner.test_partial_runs import CLIENT

# The class of the partial-run tests, under each layout's imports.
BODY = "\n\n" + CLIENT.split("\n\n\n", 1)[1]
CRYPTO = ("from cryptography.hazmat.primitives import hashes, serialization\n"
          "from cryptography.hazmat.primitives.asymmetric import padding\n")
STDLIB = "import base64\nimport time\nimport uuid\n"
LOCAL = "from {pkg} import settings\n"

# name -> the imports at the top of the client ({pkg} is the seller's package)
LAYOUTS = {
    "stdlib-thirdparty-local": f"{STDLIB}\nimport requests\n{CRYPTO}\n{LOCAL}",
    "shim-between-two": f"{STDLIB}\nimport requests\nimport yaml\n{CRYPTO}\n{LOCAL}",
    "aiohttp-and-requests": f"{STDLIB}\nimport aiohttp\nimport requests\n{CRYPTO}\n{LOCAL}",
    "case-ignored": f"{STDLIB}\nimport Crypto\nimport requests\nimport Xlib\n{CRYPTO}\n{LOCAL}",
    "unknown-thirdparty": f"{STDLIB}\nimport zeep\n{CRYPTO}\n{LOCAL}"
                          "from {pkg}.http import requests\n",
    "from-imports-only": f"{STDLIB}\n{CRYPTO}from requests import api as requests\n\n{LOCAL}",
    "only-stdlib-left": f"{STDLIB}\n{CRYPTO}\n{LOCAL}from {{pkg}}.http import requests\n",
    "no-local-group": f"{STDLIB}\n{CRYPTO}\nsettings = requests = None\n",
    "only-local-left": f"import base64\nimport time\n\n{CRYPTO}\n{LOCAL}"
                       "from {pkg}.http import requests\nfrom {pkg}.ids import uuid\n",
    "future-import": f"from __future__ import annotations\n\n{STDLIB}\nimport requests\n{CRYPTO}\n"
                     f"{LOCAL}",
    "future-and-docstring-only-local": '"""The client."""\n\nfrom __future__ import annotations\n\n'
                                       f"import base64\nimport time\n\n{CRYPTO}\n{LOCAL}"
                                       "from {pkg}.http import requests\nfrom {pkg}.ids import uuid\n",
    "try-except-import": f"{STDLIB}\nimport requests\n{CRYPTO}\ntry:\n    import yaml\n"
                         f"except ImportError:\n    yaml = None\n\n{LOCAL}",
    "comment-above-local": f"{STDLIB}\n{CRYPTO}\n# our own code\n{LOCAL}"
                           "from {pkg}.http import requests\n",
}


def _ruff(folder: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """ruff's isort rule with its defaults: the seller's packages are first-party because
    they are in the project folder, shim is third-party because it is not."""
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
                           "--select", "I", "--diff", *files], cwd=folder, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, dict[str, str]]:
    repo = Repo(tmp_path_factory.mktemp("layouts") / "seller")
    clients = {}
    for number, (name, head) in enumerate(LAYOUTS.items()):
        pkg = f"shop{number}"
        repo.write(f"{pkg}/__init__.py", "")
        repo.write(f"{pkg}/settings.py", "TIMEOUT = 3\n")
        repo.write(f"{pkg}/http.py", "import requests\n")
        repo.write(f"{pkg}/ids.py", "import uuid\n")
        repo.write(f"{pkg}/client.py", head.format(pkg=pkg) + BODY)
        clients[name] = f"{pkg}/client.py"
    before = _ruff(repo.path, *clients.values())
    assert before.returncode == 0, f"a layout is not sorted to begin with:\n{before.stdout}"
    repo.commit()
    done = repo.run("apply", ".", toys=False)
    assert done.code == 0, done.err
    return repo, clients


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_import_shim_lands_where_isort_would_put_it(migrated: tuple[Repo, dict[str, str]],
                                                    layout: str) -> None:
    repo, clients = migrated
    path = clients[layout]
    text = repo.read(path).decode()
    assert "\nimport shim\n" in text, text
    after = _ruff(repo.path, path)
    assert after.returncode == 0, f"{layout}:\n{after.stdout}"

"""A migration that spans files is written whole or not at all: when one of its files cannot
be rewritten (a codemod crash, a re-parse failure), the others are held back and say why -
never a caller rewritten against a helper that stayed, or a helper deleted under a caller."""

from __future__ import annotations

import json

from codemods.registry import CODEMODS
from tests.runner.conftest import Repo
from tests.runner.test_emptied_modules import CLIENT, SIGNING

# The standard codemods, and one that crashes on a name only the signing module holds.
CRASHING = [option for path in (*CODEMODS, "tests.runner.toy_codemods:Explodes")
            for option in ("--codemod", path)]


def _shop(repo: Repo, signing: str) -> None:
    repo.write("shop/__init__.py", "")
    repo.write("shop/signing.py", signing)
    repo.write("shop/client.py", CLIENT)
    repo.commit()


def test_the_caller_is_held_back_when_its_helper_cannot_be_rewritten(repo: Repo) -> None:
    _shop(repo, SIGNING + "\nEXPLODE_HERE = None\n")
    done = repo.run("apply", "--report", "report.json", *CRASHING, ".", toys=False)
    assert done.code == 123, done.err + done.out
    assert repo.read("shop/client.py") == CLIENT.encode()
    assert repo.read("shop/signing.py") == (SIGNING + "\nEXPLODE_HERE = None\n").encode()
    files = {f["path"]: f for f in json.loads(repo.read("report.json"))["files"]}
    client = files["shop/client.py"]
    assert client["status"] == "skipped"
    assert client["reason"].startswith("held back: shop/signing.py could not be rewritten")
    assert {f["action"] for f in client["findings"]} == {"manual"}
    assert files["shop/signing.py"]["status"] == "failed"
    assert "WALMART_CLIENT_ID" not in done.out  # no rename announced that was not made


def test_a_crash_outside_the_migration_holds_nothing_back(repo: Repo) -> None:
    _shop(repo, SIGNING)
    repo.write("tools/unrelated.py", "EXPLODE_HERE = 1\n")
    repo.commit()
    done = repo.run("apply", *CRASHING, ".", toys=False)
    assert done.code == 123, done.err + done.out
    assert "shim.access_token(" in repo.read("shop/client.py").decode()
    assert not (repo.path / "shop" / "signing.py").exists()

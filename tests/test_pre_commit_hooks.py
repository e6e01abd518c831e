"""The hooks in .pre-commit-hooks.yaml under the real pre-commit, as a seller sets them up:
pre-commit builds each hook's own virtualenv from this repository (installing from PyPI) and
runs it on a temporary seller repository. Slow - minutes the first time - so one module."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runner.conftest import ROOT, Repo, git

pytestmark = pytest.mark.timeout(1200)

SAMPLE = ROOT / "fixtures" / "sample-seller"
# A cassette with the seller's Basic credentials left in: what the secrets hook is for.
LEAKY = """interactions:
- request:
    body: grant_type=client_credentials
    headers:
      Authorization:
      - Basic YWNtZS1jbGllbnQtaWQ6YWNtZS1jbGllbnQtc2VjcmV0LTlmMjdkMWM0
    method: POST
    uri: https://marketplace.walmartapis.com/v3/token
  response:
    body:
      string: '{"token_type":"Bearer","expires_in":900}'
    headers: {}
    status:
      code: 200
      message: OK
version: 1
"""


def _hook_repository(folder: Path) -> tuple[Path, str]:
    """This working tree as pre-commit fetches it: a git repository at a commit."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], check=True, capture_output=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    hooks = Repo(folder)
    hooks.commit("walmart-migrate as it is now")
    return folder, git(folder, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    return env


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> str:
    path, rev = _hook_repository(tmp_path_factory.mktemp("hooks"))
    return (f"repos:\n- repo: {path}\n  rev: {rev}\n  hooks:\n  - id: walmart-migrate\n"
            "  - id: walmart-migrate-cassette-secrets\n")


def _seller(folder: Path, config: str) -> Repo:
    shutil.copytree(SAMPLE, folder)
    repo = Repo(folder)
    repo.write(".pre-commit-config.yaml", config)
    # Ordinary YAML and JSON that are no cassettes: the secrets hook must leave them be.
    repo.write("package.json", '{"name": "acme-back-office", "private": true}\n')
    repo.write(".github/workflows/ci.yml", "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
               "    steps:\n    - uses: actions/checkout@v4\n")
    repo.write("config/settings.json", '{"interactions": "none", "retries": 3}\n')
    # Excluded in the project's settings: the hook names it, and it still stays out.
    repo.write("pyproject.toml", (SAMPLE / "pyproject.toml").read_text() +
               '\n[tool.walmart-migrate]\nexclude = ["vendor_ca/"]\n')
    repo.write("vendor_ca/client.py", (SAMPLE / "seller" / "walmart" / "client.py").read_text())
    repo.commit()
    return repo


def _pre_commit(repo: Repo, env: dict[str, str], *hooks: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color",
                           "never", *hooks], cwd=repo.path, env=env, capture_output=True, text=True)


def test_the_hook_fails_on_legacy_code_and_passes_after_apply(
        tmp_path: Path, config: str, environment: dict[str, str]) -> None:
    repo = _seller(tmp_path / "seller", config)
    legacy = _pre_commit(repo, environment, "walmart-migrate")
    assert legacy.returncode == 1, legacy.stdout + legacy.stderr
    assert "would rewrite seller/walmart/client.py:41 (header-dict)" in legacy.stdout
    assert "would delete seller/walmart/signing.py" in legacy.stdout
    assert "run: walmart-migrate apply " in legacy.stdout
    assert "vendor_ca" not in legacy.stdout  # --force-exclude
    assert "rewritten" not in legacy.stdout.lower()
    applied = subprocess.run([sys.executable, "-m", "migrate", "apply", "."], cwd=repo.path,
                             capture_output=True, text=True,
                             env={**environment, "PYTHONPATH": str(ROOT)})
    assert applied.returncode == 0, applied.stdout + applied.stderr
    repo.commit("OAuth")
    migrated = _pre_commit(repo, environment, "walmart-migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr


def test_the_secrets_hook_looks_only_at_cassettes(
        tmp_path: Path, config: str, environment: dict[str, str]) -> None:
    repo = _seller(tmp_path / "seller", config)
    clean = _pre_commit(repo, environment, "walmart-migrate-cassette-secrets")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
    repo.write("tests/cassettes/test_back_office/leaky.yaml", LEAKY)
    repo.commit("a cassette recorded without scrubbing")
    leaky = _pre_commit(repo, environment, "walmart-migrate-cassette-secrets")
    assert leaky.returncode == 1
    assert "leaky.yaml: interaction 0 (POST https://marketplace.walmartapis.com/v3/token): " \
           "[no-secrets]" in leaky.stdout
    assert "package.json" not in leaky.stdout and "ci.yml" not in leaky.stdout

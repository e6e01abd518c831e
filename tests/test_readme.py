from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import httpx
import pytest
import yaml

from migrate.demo import SAMPLE
from migrate.emulator import Emulator, EmulatorServer, load_config
from migrate.emulator_command import build_config
from migrate.runner.project import find_project_config
from shim._config import _VARIABLES
from tests.keys import KeyPair

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented_in_the_configuration_table() -> None:
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(WALMART_[A-Z_]+)` \|", table, flags=re.M))
    assert documented == set(_VARIABLES.values())


def test_the_readme_keeps_its_two_commands() -> None:
    assert "make demo" in README
    assert "make test" in README


def _block(after: str, language: str) -> str:
    """The first ``language`` code block after the text ``after``."""
    rest = README.split(after, 1)[1]
    return rest.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_emulator_config_shown_loads(tmp_path: Path, seller_key: KeyPair) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "acme.pub").write_text(seller_key.public_pem)
    config_file = tmp_path / "emulator.toml"
    config_file.write_text(_block("## The emulator, in your CI", "toml"))
    config = load_config(config_file)
    (acme,) = config.clients
    assert (acme.client_id, acme.consumer_id, acme.auth) == ("acme-client-id", "acme-consumer-id", "both")
    assert acme.scopes["orders"] == "view_only"


def test_the_pyproject_section_shown_loads(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(_block("### The repository's `pyproject.toml`", "toml"))
    config = find_project_config(tmp_path)
    assert config is not None
    assert config.target == "oauth" and config.renames == {"WALMART_CID": "WALMART_CLIENT_ID"}


def test_every_control_endpoint_shown_answers() -> None:
    table = README.split("| Control endpoint | Does |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `(GET|POST) (/__emulator__/\w+)` \| (.*) \|$", table, flags=re.M)
    assert len(rows) == 7
    with EmulatorServer() as server, httpx.Client(base_url=server.url) as client:
        for method, path, does in rows:
            example = re.match(r"`(\{.*?\})`", does)  # the documented body, where there is one
            body = json.loads(example.group(1)) if example else {}
            if path.endswith("/clients"):
                body = {"name": "extra", "client_id": "extra-id", "client_secret": "extra-secret"}
            answer = client.request(method, path, json=body if method == "POST" else None)
            assert answer.status_code in (200, 201), (path, answer.text)


# What each command the README shows exits with on the sample seller, run in the README's
# order: every command shown must be here, so none goes untested.
STEP_BY_STEP = {
    "walmart-migrate scan .": 1,  # legacy signing is left
    "walmart-migrate apply --diff .": 1,  # something would change
    "walmart-migrate apply --target rollout .": 0,
    "pytest --walmart-replay": 0,
    "cp -r tests/cassettes legacy-cassettes": 0,
    "pytest --record-mode=rewrite": 0,
    "walmart-migrate verify tests/cassettes --before legacy-cassettes": 0,
    "pytest": 0,
    'git commit -qam "Walmart OAuth: the rollout switch"': 0,
}
ALTERNATIVES = {  # each on a fresh copy: they are ways to start, not steps
    "walmart-migrate scan .": 1,
    "walmart-migrate apply --diff .": 1,
    "walmart-migrate apply .": 0,
    "walmart-migrate apply --target rollout .": 0,
    "walmart-migrate apply --follow seller/walmart/client.py": 0,
    "walmart-migrate list": 0,
}
VERIFYING = {  # on the migrated and re-recorded sample seller
    "walmart-migrate verify tests/cassettes/": 0,
    "walmart-migrate verify tests/cassettes/ --before legacy-cassettes/": 0,
    "walmart-migrate verify tests/cassettes/ --only no-secrets": 0,
}


def _section(title: str) -> str:
    return README.split(title, 1)[1].split("\n## ", 1)[0]


def _commands(text: str, language: str) -> list[str]:
    """The commands of every ``language`` block: ``$ `` lines of a console block, the lines
    of a sh block without their comments."""
    found = []
    for block in text.split(f"```{language}\n")[1:]:
        for line in block.split("```", 1)[0].splitlines():
            if language == "console":
                if line.startswith("$ "):
                    found.append(line[2:])
            elif line.strip():
                found.append(line.split("  #", 1)[0].strip())
    return found


def _sample_seller(folder: Path) -> Path:
    repo = folder / "acme"
    shutil.copytree(SAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "legacy"]):
        subprocess.run(["git", *command], cwd=repo, env=_env(), check=True, capture_output=True)
    return repo


def _env() -> dict[str, str]:
    """The seller's shell: this environment's walmart-migrate and pytest first on PATH, no
    Walmart settings of the machine's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALMART_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(GIT_AUTHOR_NAME="Seller", GIT_AUTHOR_EMAIL="seller@example.com",
               GIT_COMMITTER_NAME="Seller", GIT_COMMITTER_EMAIL="seller@example.com")
    return env


def _run(repo: Path, command: str, expected: int) -> None:
    done = subprocess.run(shlex.split(command), cwd=repo, env=_env(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == expected, f"$ {command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def test_the_step_by_step_migration_runs_as_written(tmp_path: Path) -> None:
    commands = _commands(_section("## A migration, step by step"), "console")
    assert commands[:len(STEP_BY_STEP)] == list(STEP_BY_STEP)
    assert commands[len(STEP_BY_STEP):] == ["walmart-migrate apply --diff ."]
    repo = _sample_seller(tmp_path)
    for command in commands:
        _run(repo, command, STEP_BY_STEP.get(command, 1))
    # The rollout run declared the runtime the rewritten code imports.
    assert "walmart-migrate>=" in (repo / "pyproject.toml").read_text()
    verifying = _commands(_section("## Verifying with cassettes"), "sh")
    assert verifying == list(VERIFYING)
    for command in verifying:
        _run(repo, command, VERIFYING[command])


def test_plain_pytest_on_legacy_cassettes_says_what_to_do(tmp_path: Path) -> None:
    repo = _sample_seller(tmp_path)
    _run(repo, "walmart-migrate apply .", 0)
    done = subprocess.run(["pytest", "-p", "no:cacheprovider"], cwd=repo, env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert "KeyError" not in done.stdout
    assert "recorded before the migration" in done.stdout
    assert "or run with --walmart-replay" in done.stdout


@pytest.mark.parametrize("command", list(ALTERNATIVES))
def test_each_command_of_migrating_a_repository_runs_as_written(tmp_path: Path,
                                                                command: str) -> None:
    assert _commands(_section("## Migrating a repository"), "sh") == list(ALTERNATIVES)
    _run(_sample_seller(tmp_path), command, ALTERNATIVES[command])


def test_the_doctor_example_runs_against_the_emulator() -> None:
    (command,) = _commands(_section("## Checking credentials: doctor"), "console")
    assert "--environment http://127.0.0.1:8765" in command
    # The emulator the command line serves, on a free port: 8765 may be taken here.
    with EmulatorServer(Emulator(build_config(None, None))) as server:
        port = server.url.rsplit(":", 1)[1]
        done = subprocess.run(shlex.split(command.replace("8765", port)), env=_env(),
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: ok" in done.stdout


WORKFLOW = Path(__file__).resolve().parents[1] / "docs" / "examples" / "github-actions.yml"


def test_the_github_actions_example_is_the_file_and_its_commands_parse() -> None:
    shown = _block("## In GitHub Actions", "yaml")
    assert shown == WORKFLOW.read_text()
    workflow = yaml.safe_load(shown)
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["walmart-migrate"]["steps"]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert "github/codeql-action/upload-sarif" in uses
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/"))
    runs = [s["run"] for s in steps if "run" in s]
    invocations = [shlex.split(r.split(">", 1)[0]) for r in runs if r.startswith("walmart-migrate")]
    assert {i[1] for i in invocations} == {"scan", "verify"}
    scan = next(r for r in runs if r.startswith("walmart-migrate scan"))
    assert "--format sarif" in scan and upload["with"]["sarif_file"] in scan
    for arguments in invocations:
        _parses(arguments[1:])


def _parses(arguments: list[str]) -> None:
    """The arguments make a valid invocation: click parses them, nothing runs."""
    from migrate.cli import cli

    name, *rest = arguments
    command = cli.get_command(click.Context(cli), name)
    assert command is not None, name
    command.make_context(name, rest)  # raises click.UsageError on a bad option or value

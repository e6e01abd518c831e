from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from migrate.emulator import EmulatorServer, load_config
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

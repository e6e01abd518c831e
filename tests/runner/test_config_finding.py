"""Credentials read from a configuration file: the code is rewritten to read new keys, and the
run says which file and keys the deployment must now hold - new credentials, not renamed ones."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.runner.conftest import ROOT, Repo

CASE = ROOT / "fixtures" / "codemods" / "json_config_file" / "before"


def test_a_config_file_read_under_new_keys_gets_a_config_finding(repo: Repo) -> None:
    shutil.copytree(CASE, repo.path, dirs_exist_ok=True)
    repo.commit()
    done = repo.run("scan", "--format", "json", ".", toys=False)
    assert done.code == 1, done.err
    findings = [(f["path"], g) for f in json.loads(done.out)["files"] for g in f["findings"]
                if g["codemod"] == "config"]
    assert len(findings) == 1, findings
    path, finding = findings[0]
    assert path == "listings/client.py" and finding["action"] == "rewritten"
    message = finding["message"]
    assert message.startswith("The JSON file CONFIG_PATH ($LISTINGS_CONFIG) is now read under "
                              "new keys (consumer_id -> client_id, private_key -> client_secret)")
    assert "new credentials, not the consumer id or private key renamed" in message
    text = repo.run("scan", ".", toys=False)
    assert "Configuration files now read under new keys (put the new credentials there):\n" \
        f"  listings/client.py:{finding['line']}:{finding['column']}  {message}\n" in text.out


def test_no_config_finding_when_the_keys_keep_their_names(repo: Repo) -> None:
    shutil.copytree(CASE, repo.path, dirs_exist_ok=True)
    (repo.path / "pyproject.toml").write_text(
        '[tool.walmart-migrate.renames]\nconsumer_id = "consumer_id"\nprivate_key = "private_key"\n')
    repo.commit()
    done = repo.run("scan", "--format", "json", ".", toys=False)
    assert not [g for f in json.loads(done.out)["files"] for g in f["findings"]
                if g["codemod"] == "config"], done.out


YAML_CASE = ROOT / "fixtures" / "codemods" / "yaml_settings_key_in_init" / "before"
LOADERS = {
    "TOML": ("import tomllib", '"rb") as handle:', "return tomllib.load(handle)"),
    ".env": ("from dotenv import dotenv_values", 'encoding="utf-8") as handle:',
             'return {"marketplace": dotenv_values(path or os.environ["FULFIL_SETTINGS"])}'),
}


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_every_config_format_is_followed_and_named(kind: str, repo: Repo) -> None:
    shutil.copytree(YAML_CASE, repo.path, dirs_exist_ok=True)
    client = repo.path / "fulfil" / "client.py"
    load, opening, read = LOADERS[kind]
    client.write_text(client.read_text().replace("import yaml", load)
                      .replace('encoding="utf-8") as handle:', opening)
                      .replace("return yaml.safe_load(handle)", read))
    repo.commit()
    done = repo.run("scan", "--format", "json", ".", toys=False)
    findings = [g for f in json.loads(done.out)["files"] for g in f["findings"]]
    assert {g["action"] for g in findings} == {"rewritten"}, findings
    config = [g["message"] for g in findings if g["codemod"] == "config"]
    assert len(config) == 1 and config[0].startswith(
        f"The {kind} file at $FULFIL_SETTINGS is now read under new keys"), config

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.emulator import ConfigError, load_config
from tests.keys import KeyPair


def test_toml_with_a_key_file_beside_it(tmp_path: Path, seller_key: KeyPair) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "acme.pub").write_text(seller_key.public_pem)
    config_file = tmp_path / "emulator.toml"
    config_file.write_text("""
token_lifetime = 60
[[clients]]
name = "acme"
client_id = "acme-id"
client_secret = "acme-secret"
consumer_id = "acme-consumer"
public_key = "keys/acme.pub"
[clients.scopes]
orders = "view_only"
""")
    config = load_config(config_file)
    client = config.clients[0]
    assert config.token_lifetime == 60
    assert client.auth == "both"
    assert client.public_key == seller_key.public_pem
    assert client.grant("orders") == "view_only"
    assert client.grant("item") == "full_access"


def test_json_config(tmp_path: Path) -> None:
    config_file = tmp_path / "emulator.json"
    config_file.write_text(json.dumps({"clients": [
        {"name": "sp", "client_id": "a", "client_secret": "b", "solution_provider": True}]}))
    client = load_config(config_file).clients[0]
    assert client.auth == "oauth"
    assert client.grant("orders") == "no_access"


@pytest.mark.parametrize(("text", "message"), [
    ("token_lifetime = 0", "token_lifetime must be at least 1"),
    ("colour = 'blue'", "unknown setting(s) colour"),
    ("[[clients]]\nclient_id = 'a'", "OAuth needs client_id and client_secret"),
    ("[[clients]]\nclient_id='a'\nclient_secret='b'\n[clients.scopes]\norders='all'",
     "scope 'orders' must be one of"),
    ("[[clients]]\nclient_id='a'\nclient_secret='b'\nauth='ssh'", "auth must be one of"),
    ("[[clients]]\nclient_id='a'\nclient_secret='b'\n[[clients]]\nclient_id='a'\nclient_secret='c'",
     "configured twice"),
    ("this is = = not toml", "not valid TOML"),
])
def test_bad_config_names_the_file_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    config_file = tmp_path / "emulator.toml"
    config_file.write_text(text)
    with pytest.raises(ConfigError, match=r"emulator\.toml") as caught:
        load_config(config_file)
    assert message in str(caught.value)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")

"""Cassettes that are broken, odd or hostile: each is one finding and the run goes on - the
others are verified and ``--format json|sarif`` still print valid documents. The odd ones
start as a real recording (VCR.py around httpx, against the emulator on a socket)."""

from __future__ import annotations

import copy
import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.emulator import EmulatorServer
from migrate.verify.cassette import load_cassette
from tests.keys import KeyPair
from tests.verify.recordings import record_legacy, record_migrated_httpx

MEMORY_CAP = 1536 * 1024 * 1024  # the verifier of a handful of cassettes needs far less


def _capped() -> None:
    # An alias bomb used to take gigabytes; under a cap it fails fast instead of thrashing.
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "migrate", "verify", *args], capture_output=True,
                          text=True, timeout=120, preexec_fn=_capped)


def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    lines += ["interactions:",
              "- request: {method: GET, uri: 'https://marketplace.walmartapis.com/v3/items',",
              "    headers: {x: *i}, body: null}",
              "  response: {status: {code: 200}, headers: {}, body: {string: ''}}"]
    return "\n".join(lines) + "\n"


def _deep_json(depth: int = 100_000) -> str:
    return '{"interactions": ' + "[" * depth + "]" * depth + "}"


@pytest.fixture
def recorded(server: EmulatorServer, tmp_path: Path) -> dict[str, Any]:
    """A real migrated session: a token answer, then two calls."""
    path = record_migrated_httpx(tmp_path / "recorded.yaml", server)
    return dict(yaml.safe_load(path.read_text()))


def _variant(data: dict[str, Any], change: Any) -> dict[str, Any]:
    copied = copy.deepcopy(data)
    change(copied["interactions"])
    return copied


def _set(interactions: list[dict[str, Any]], index: int, side: str, key: str, value: Any) -> None:
    interactions[index][side][key] = value


def _write_folder(folder: Path, recorded: dict[str, Any]) -> dict[str, str]:
    """The odd cassettes, by name: 'error' for those that cannot be verified, 'cassette' for
    those that are read and checked."""
    folder.mkdir()
    token_body = recorded["interactions"][0]["response"]["body"]["string"]
    variants = {
        "good.yaml": (recorded, "cassette"),
        "bad-uri.yaml": (_variant(recorded, lambda i: _set(i, 1, "request", "uri",
                                                           "http://[::1")), "error"),
        "huge-date.yaml": (_variant(recorded, lambda i: i[1]["response"]["headers"].update(
            date=["Mon, 01 Jan 99999999999999999999 00:00:00 GMT"])), "cassette"),
        "huge-expires.yaml": (_variant(recorded, lambda i: _set(i, 0, "response", "body", {
            "string": token_body.replace('"expires_in":900', '"expires_in":' + "9" * 400)})),
            "cassette"),
        "deep-body.yaml": (_variant(recorded, lambda i: _set(i, 0, "response", "body", {
            "string": "[" * 50_000 + "]" * 50_000})), "cassette"),
    }
    kinds = {}
    for name, (data, kind) in variants.items():
        (folder / name).write_text(yaml.safe_dump(data), encoding="utf-8")
        kinds[name] = kind
    (folder / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(recorded).encode())
    (folder / "deep.json").write_text(_deep_json())
    (folder / "bomb.yaml").write_text(_alias_bomb())
    kinds.update({"bom.json": "cassette", "deep.json": "error", "bomb.yaml": "error"})
    return kinds


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_one_bad_cassette_is_one_finding_and_the_rest_are_verified(
        recorded: dict[str, Any], tmp_path: Path, fmt: str) -> None:
    kinds = _write_folder(tmp_path / "cassettes", recorded)
    result = _verify(str(tmp_path / "cassettes"), "--format", fmt)
    assert result.returncode == 1, result.stderr  # findings, not an internal error (123)
    document = json.loads(result.stdout)
    bad = sorted(name for name, kind in kinds.items() if kind == "error")
    if fmt == "json":
        verified = sorted(Path(c["path"]).name for c in document["cassettes"])
        errors = document["summary"]["errors"]
    else:
        run = document["runs"][0]
        verified = sorted({Path(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name
                           for r in run["results"]})
        errors = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert verified == sorted(name for name, kind in kinds.items() if kind == "cassette")
    assert sorted(Path(e.split(":", 1)[0]).name for e in errors) == bad
    assert all("\n" not in e for e in errors)


def test_an_alias_bomb_is_refused_quickly_and_small(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_alias_bomb())
    assert len(bomb.read_bytes()) < 700
    result = _verify(str(bomb))  # in a process of its own, under the memory cap
    assert result.returncode == 1
    assert f"{bomb}: refused: its aliases expand it past twice its size" in result.stderr


def test_a_few_aliases_are_still_read(recorded: dict[str, Any], tmp_path: Path) -> None:
    """PyYAML writes an anchor where one object appears twice; such a cassette stays readable."""
    shared = recorded["interactions"][1]["request"]["headers"]
    recorded["interactions"][2]["request"]["headers"] = shared
    path = tmp_path / "shared.yaml"
    path.write_text(yaml.safe_dump(recorded))
    assert "&id001" in path.read_text()
    assert len(load_cassette(path).interactions) == 3


def test_a_json_cassette_with_a_byte_order_mark_is_read(recorded: dict[str, Any],
                                                        tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(recorded).encode())
    assert [i.path for i in load_cassette(path).interactions] == ["/v3/token", "/v3/orders",
                                                                  "/v3/items"]


@pytest.mark.parametrize("uri", [
    "https://marketplace.walmartapis.com:443/orders?limit=2",
    "https://MARKETPLACE.walmartapis.com/orders",
    "https://proxy.example.test/V3/orders?limit=2",
    "http://127.0.0.1:8080/V2/items",
], ids=["default-port", "host-case", "V3-path", "V2-path"])
def test_legacy_headers_are_flagged_however_the_url_is_spelled(
        server: EmulatorServer, tmp_path: Path, seller_key: KeyPair, uri: str) -> None:
    path = record_legacy(tmp_path / "legacy.yaml", server, seller_key.private)
    data = yaml.safe_load(path.read_text())
    data["interactions"][0]["request"]["uri"] = uri
    path.write_text(yaml.safe_dump(data))
    result = _verify(str(path), "--only", "no-legacy-headers")
    assert result.returncode == 1
    assert f"interaction 0 (GET {uri}): [no-legacy-headers]" in result.stdout

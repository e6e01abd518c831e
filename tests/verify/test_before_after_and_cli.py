"""Before/after pairing and the verify command: exit codes, formats, the secrets-only run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import vcr

from migrate.emulator import EmulatorServer
from migrate.verify.cassette import load_cassette
from migrate.verify.compare import compare_cassettes
from tests.keys import KeyPair
from tests.verify.recordings import record_legacy, record_migrated_httpx, service_headers, token


def _verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "migrate", "verify", *args], capture_output=True,
                          text=True, timeout=60)


def test_the_same_calls_with_only_the_auth_changed(server: EmulatorServer, tmp_path: Path,
                                                    seller_key: KeyPair) -> None:
    before = load_cassette(record_legacy(tmp_path / "before" / "orders.yaml", server, seller_key.private))
    after = load_cassette(record_migrated_httpx(tmp_path / "after" / "orders.yaml", server))
    assert compare_cassettes(before, after) == []


def test_any_other_difference_is_a_finding(server: EmulatorServer, tmp_path: Path,
                                           seller_key: KeyPair) -> None:
    before = load_cassette(record_legacy(tmp_path / "before.yaml", server, seller_key.private))
    with vcr.use_cassette(str(tmp_path / "after.yaml")), httpx.Client() as client:
        issued = token(client, server.url)
        auth = {**service_headers(), "WM_SEC.ACCESS_TOKEN": issued}
        client.get(server.url + "/v3/orders?limit=3", headers=auth)  # another limit
        client.get(server.url + "/v3/items", headers={**auth, "WM_SVC.NAME": "Other"})
        client.get(server.url + "/v3/feeds", headers=auth)  # one call more
    found = compare_cassettes(before, load_cassette(tmp_path / "after.yaml"))
    messages = [(v.index, v.message) for v in found]
    assert any(i == 1 and "query 'limit=2' before, 'limit=3' after" in m for i, m in messages)
    assert any(i == 2 and "header wm_svc.name" in m.lower() for i, m in messages)
    assert any(i == 3 and "expected 2 calls as before, found 3" in m for i, m in messages)


def test_the_command_passes_a_clean_pair_and_fails_a_legacy_cassette(
        server: EmulatorServer, tmp_path: Path, seller_key: KeyPair) -> None:
    record_legacy(tmp_path / "before" / "orders.yaml", server, seller_key.private)
    after = record_migrated_httpx(tmp_path / "after" / "orders.yaml", server)
    text = after.read_text()
    issued = text.split("access_token\":\"")[1].split("\"")[0]
    import base64

    from tests.verify.recordings import CLIENT_ID, CLIENT_SECRET
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    after.write_text(text.replace(issued, "<WALMART-TOKEN-1>").replace(basic, "<WALMART-BASIC-1>"))
    ok = _verify(str(tmp_path / "after"), "--before", str(tmp_path / "before"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.strip().endswith("3 interaction(s), 0 violation(s): ok")
    legacy = _verify(str(tmp_path / "before"), "--format", "json")
    assert legacy.returncode == 1
    report = json.loads(legacy.stdout)
    assert report["summary"]["by_rule"]["no-legacy-headers"] == 2
    sarif = json.loads(_verify(str(tmp_path / "before"), "--format", "sarif").stdout)
    result = sarif["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_secrets_only_for_pre_commit(server: EmulatorServer, tmp_path: Path) -> None:
    path = record_migrated_httpx(tmp_path / "c.yaml", server)
    found = _verify(str(path), "--only", "no-secrets")
    assert found.returncode == 1
    assert all("[no-secrets]" in line for line in found.stdout.splitlines()[:-1])


def test_bad_input(tmp_path: Path) -> None:
    (tmp_path / "cut.yaml").write_text("interactions:\n- request: {")
    bad = _verify(str(tmp_path / "cut.yaml"))
    assert bad.returncode == 1
    assert bad.stderr.startswith(f"walmart-migrate: {tmp_path / 'cut.yaml'}: not valid YAML near line ")
    assert bad.stderr.strip().endswith(" - truncated or hand-edited? record it again")
    assert bad.stderr.count("\n") == 1
    assert _verify(str(tmp_path / "missing")).returncode == 2
    assert _verify(str(tmp_path), "--only", "no-such-rule").returncode == 2
    (tmp_path / "empty").mkdir()
    assert _verify(str(tmp_path / "empty")).returncode == 2

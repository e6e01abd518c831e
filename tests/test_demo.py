"""The README's first command, end to end: both the direct and the phased migration of the
bundled sample seller repository, offline, verified."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _section(out: str, heading: str) -> str:
    """One numbered step of the demo's output, without its heading and indent."""
    body = out.split(heading + "\n", 1)[1].split("\n== ", 1)[0]
    return "\n".join(line[3:] for line in body.splitlines()).strip()


def _readme_block(command: str) -> str:
    """The console block the README shows for ``$ command``."""
    body = README.split(f"$ {command}\n", 1)[1].split("```", 1)[0]
    return body.strip()


def _demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "migrate", "demo", *args], capture_output=True,
                          text=True, timeout=300)


def test_the_demo_migrates_and_verifies_the_sample(tmp_path: Path) -> None:
    done = _demo("--keep", str(tmp_path / "demo"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    out = done.stdout
    for step in ("== 2. walmart-migrate scan .", "== 3. walmart-migrate apply --diff .",
                 "== 7. walmart-migrate verify tests/cassettes --before legacy-cassettes"):
        assert step in out
    assert '+            "WM_SEC.ACCESS_TOKEN": shim.access_token(self.client_id, self.client_secret),' in out
    assert "seller/canada/client.py:29:19  canada-signature" in out
    assert "0 violation(s): ok" in out
    assert "verdict: migrated and verified" in out
    # The README's walkthrough shows this run's real output: keep them the same.
    assert _readme_block("walmart-migrate scan .") == _section(out, "== 2. walmart-migrate scan .")
    summary = out.split("== Summary\n", 1)[1].split("verdict: ", 1)[0] + "verdict: migrated and verified"
    assert "\n".join(line.strip() for line in summary.splitlines()) in "\n".join(
        line.strip() for line in README.splitlines())
    migrated = tmp_path / "demo" / "acme"
    client = (migrated / "seller" / "walmart" / "client.py").read_text()
    assert "WM_SEC.AUTH_SIGNATURE" not in client
    assert "WM_SEC.AUTH_SIGNATURE" in (migrated / "seller" / "canada" / "client.py").read_text()
    log = subprocess.run(["git", "-C", str(migrated), "log", "--oneline"], capture_output=True,
                         text=True, check=True).stdout
    assert "Move to OAuth 2.0" in log


def test_the_phased_demo_goes_through_the_rollout_switch() -> None:
    done = _demo("--rollout")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    out = done.stdout
    assert "**shim.auth_headers(consumer_id=self.consumer_id, private_key=self.private_key" in out
    assert "== 3. Deployed with WALMART_AUTH_MODE=legacy: the legacy cassettes still replay" in out
    assert out.count("0 violation(s): ok") == 2
    assert "verdict: migrated and verified" in out


@pytest.mark.parametrize("flag", ["--help"])
def test_the_demo_explains_itself(flag: str) -> None:
    assert "Migrate the bundled sample seller repository" in _demo(flag).stdout

"""`walmart-migrate emulator` as a real process: prints its URL, serves, stops on signals."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.keys import KeyPair
from tests.legacy_signing import call_headers, signed_headers, token_request_headers


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "migrate", "emulator", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def config_file(tmp_path: Path, seller_key: KeyPair) -> Path:
    (tmp_path / "seller.pub").write_text(seller_key.public_pem)
    path = tmp_path / "emulator.toml"
    path.write_text('[[clients]]\nname = "acme"\nclient_id = "acme-id"\n'
                    'client_secret = "acme-secret"\nconsumer_id = "acme-consumer"\n'
                    'public_key = "seller.pub"\n')
    return path


@pytest.fixture
def running(config_file: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = _start("--config", str(config_file))
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serves_then_stops_cleanly(running: tuple[subprocess.Popen[str], str],
                                   seller_key: KeyPair, stop_signal: signal.Signals) -> None:
    process, url = running
    assert url.startswith("http://127.0.0.1:")
    token = httpx.post(url + "/v3/token", auth=("acme-id", "acme-secret"),
                       data={"grant_type": "client_credentials"},
                       headers=token_request_headers()).json()["access_token"]
    assert httpx.get(url + "/v3/orders", headers=call_headers(token)).status_code == 200
    signed = signed_headers(seller_key.private, "acme-consumer", url + "/v3/items", "GET")
    assert httpx.get(url + "/v3/items", headers=signed).status_code == 200
    process.send_signal(stop_signal)
    assert process.wait(timeout=10) == 0
    assert process.stderr is not None and "stopped" in process.stderr.read()


def test_control_endpoints_steer_a_running_emulator(
        running: tuple[subprocess.Popen[str], str]) -> None:
    _, url = running
    assert httpx.get(url + "/__emulator__/health").json()["ok"] is True
    injected = httpx.post(url + "/__emulator__/faults",
                          json={"kind": "error", "path": "/v3/token", "count": 1, "status": 502})
    assert injected.status_code == 201
    first = httpx.post(url + "/v3/token", auth=("acme-id", "acme-secret"),
                       data={"grant_type": "client_credentials"}, headers=token_request_headers())
    assert first.status_code == 502
    seen = httpx.get(url + "/__emulator__/requests").json()
    assert [(r["method"], r["status"], r["fault"]) for r in seen] == [("POST", 502, "error")]
    bad = httpx.post(url + "/__emulator__/faults", json={"kind": "explode"})
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]


def test_without_config_the_documented_demo_client_works() -> None:
    process = _start("--token-lifetime", "30")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        answer = httpx.post(url + "/v3/token", auth=("demo-client-id", "demo-client-secret"),
                            data={"grant_type": "client_credentials"},
                            headers=token_request_headers()).json()
        assert answer["expires_in"] == 30
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_a_bad_config_is_a_usage_error_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("token_lifetime = -1\n")
    result = subprocess.run([sys.executable, "-m", "migrate", "emulator", "--config", str(bad)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "bad.toml: token_lifetime must be at least 1 second" in result.stderr
    assert result.stdout == ""

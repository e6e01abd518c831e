"""The emulator against clients that misbehave, on a real loopback socket: bad framing gets a
400 (not a dropped connection and a traceback), ``Content-Length: -1`` does not hang the
client, silent connections are closed, control endpoints refuse wrong types and ``nan``,
and a bad config or lifetime stops the command at start-up with a one-line reason."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from migrate.emulator import Emulator, EmulatorServer
from tests.conftest import fetch_token
from tests.legacy_signing import call_headers

HANG = 10.0  # seconds: only to tell a hang from an answer, never a measure of speed


def _exchange(server: EmulatorServer, raw: bytes) -> bytes:
    """Send ``raw`` and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=HANG) as conn:
        conn.sendall(raw)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
        return received


@pytest.mark.parametrize("framing", [
    b"Content-Length: abc\r\n\r\n",
    b"Content-Length: -1\r\n\r\n",
    b"Content-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
    b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    b"Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
    b"Transfer-Encoding: gzip\r\n\r\nhello",
], ids=["length-not-a-number", "length-negative", "two-lengths", "chunk-not-hex",
        "chunk-negative", "not-chunked"])
def test_bad_framing_gets_a_400_and_a_closed_connection(server: EmulatorServer, framing: bytes,
                                                        capfd: pytest.CaptureFixture[str]) -> None:
    answer = _exchange(server, b"POST /v3/token HTTP/1.1\r\nHost: 127.0.0.1\r\n" + framing)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"INVALID_REQUEST.GMP_GATEWAY_API" in answer
    assert b"Connection: close" in answer
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("host", [b"[::1", b"127.0.0.1:port"], ids=["ipv6-cut", "port-word"])
def test_a_host_that_makes_no_url_gets_a_400(server: EmulatorServer, host: bytes,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    answer = _exchange(server, b"GET /v3/orders HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert "Traceback" not in capfd.readouterr().err


def test_real_clients_bodies_are_still_read(server: EmulatorServer) -> None:
    """The strict reader still reads what clients really send: chunked bodies and lengths."""
    with httpx.Client(base_url=server.url) as client:
        token = fetch_token(client)

        def chunks() -> Iterator[bytes]:
            yield b'{"sku": "CAST-IRON-10", '
            yield b'"quantity": {"unit": "EACH", "amount": 3}}'

        answer = client.put("/v3/inventory?sku=CAST-IRON-10", content=chunks(),
                            headers={**call_headers(token), "Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text
        assert client.get("/v3/inventory?sku=CAST-IRON-10",
                          headers=call_headers(token)).json()["quantity"]["amount"] == 3


def test_a_silent_connection_is_closed(emulator: Emulator) -> None:
    with EmulatorServer(emulator, idle_timeout=0.5) as server:
        for opening in (b"", b"POST /v3/token HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"):
            # Closed by the server: reading ends (socket.timeout here would mean a hang).
            _exchange(server, opening)


@pytest.mark.parametrize(("action", "payload", "reason"), [
    ("faults", {"kind": "error", "count": "3"}, "count must be a whole number"),
    ("faults", {"kind": "error", "path": 5}, "path must be a string"),
    ("faults", {"kind": "delay", "delay": "nan"}, "delay must be a number of seconds"),
    ("faults", {"kind": "error", "share": float("nan")}, "share must be a number between 0 and 1"),
    ("responses", {"path": "/v3/feeds", "status": "201"}, "status must be a whole number"),
    ("clients", {"name": "x", "client_id": 7, "client_secret": "s"}, "client_id must be a string"),
    ("clients", {"name": "x", "client_id": "i", "client_secret": "s", "scopes": "all"},
     "scopes must map category names"),
    ("advance", {"seconds": "nan"}, "seconds must be a number of seconds"),
    ("advance", {"seconds": float("nan")}, "seconds must be a number of seconds"),
    ("advance", {"seconds": float("inf")}, "seconds must be a number of seconds"),
    ("advance", {"seconds": -60}, "seconds must be at least 0 seconds"),
], ids=["count-string", "path-number", "delay-nan", "share-nan", "status-string", "client-id-number",
        "scopes-string", "advance-nan-string", "advance-nan", "advance-inf", "advance-back"])
def test_control_endpoints_refuse_wrong_types(server: EmulatorServer, action: str,
                                              payload: dict[str, object], reason: str) -> None:
    with httpx.Client(base_url=server.url) as client:
        token = fetch_token(client)
        # NaN and Infinity go as JSON numbers, the way Python's json module writes them.
        refused = client.post(f"/__emulator__/{action}", content=json.dumps(payload))
        assert refused.status_code == 400, refused.text
        assert reason in refused.json()["error"]
        # Nothing was stored that breaks the next request, on any path.
        for path in ("/v3/orders", "/v3/feeds", "/v3/items"):
            assert client.get(path, headers=call_headers(token)).status_code == 200, path


def _emulator_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "migrate", "emulator", "--port", "0", *args],
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("lifetime", ["nan", "inf", "-inf"])
def test_a_lifetime_that_is_not_a_number_is_refused(lifetime: str) -> None:
    result = _emulator_command("--token-lifetime", lifetime)
    assert result.returncode == 2
    assert f"token_lifetime must be a number of seconds, not {lifetime}" in result.stderr
    assert result.stdout == ""


def test_a_missing_public_key_file_stops_the_start(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text('[[clients]]\nname = "acme"\nconsumer_id = "acme-consumer"\n'
                      'public_key = "keys/acme.pub"\n')
    result = _emulator_command("--config", str(config))
    assert result.returncode == 2
    assert f"clients[0] (acme): public_key file {tmp_path / 'keys' / 'acme.pub'} does not " \
           "exist" in result.stderr
    assert result.stdout == ""
    assert result.stderr.count("Error:") == 1 and "Traceback" not in result.stderr


def test_a_public_key_file_that_is_not_a_key_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "acme.pub").write_text("not a key\n")
    config = tmp_path / "emulator.toml"
    config.write_text('[[clients]]\nname = "acme"\nconsumer_id = "acme-consumer"\n'
                      'public_key = "acme.pub"\n')
    result = _emulator_command("--config", str(config))
    assert result.returncode == 2
    assert "clients[0] (acme): the public key is neither PEM nor base64 DER" in result.stderr

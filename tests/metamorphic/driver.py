"""Runs seller programs for the variant checks.

``python -m tests.metamorphic.driver`` reads one JSON job per line on stdin and answers one
JSON line on stdout. The process imports the libraries seller code uses once; each job runs
``run_case.run()`` in a forked child of it, so a run costs a fork rather than an interpreter
start, and nothing - imported seller modules, token caches, patched functions - outlives it.

A job: ``{"folder": ..., "env": {...}, "deterministic": false, "timeout": 60}``. Deterministic
runs (the look-alike fixtures, whose hosts are not the emulator's) freeze the clock and the
UUIDs and answer every ``requests`` call locally, recording what was sent.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import sys
import time
import traceback
from typing import Any

PRELOAD = (
    "asyncio", "dataclasses", "enum", "functools", "hashlib", "hmac", "subprocess", "urllib.request",
    "uuid", "requests", "httpx", "aiohttp", "rsa", "google.auth.crypt",
    "Crypto.Hash.SHA256", "Crypto.PublicKey.RSA", "Crypto.Signature.PKCS1_v1_5",
    "Crypto.Signature.pkcs1_15", "cryptography.hazmat.primitives.serialization",
    "cryptography.hazmat.primitives.hashes", "cryptography.hazmat.primitives.asymmetric.padding",
    "cryptography.hazmat.primitives.asymmetric.utils", "shim", "shim._registry", "shim._headers",
)
FROZEN_TIME = 1_764_000_000.25


def _deterministic() -> list[Any]:
    """Freeze time and UUIDs; answer requests locally. Returns the list requests go to."""
    import uuid

    import requests
    from requests.adapters import HTTPAdapter

    sent: list[Any] = []
    counter = iter(range(1, 1_000_000))
    time.time = lambda: FROZEN_TIME
    uuid.uuid4 = lambda: uuid.UUID(int=next(counter))

    def send(self: HTTPAdapter, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        sent.append([request.method, request.url, sorted(request.headers.items()), body])
        response = requests.Response()
        response.status_code, response._content, response.url = 200, b"{}", request.url or ""
        response.headers["Content-Type"] = "application/json"
        response.request = request
        return response

    HTTPAdapter.send = send  # type: ignore[method-assign,assignment]
    return sent


def _child(job: dict[str, Any], out: int) -> None:
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # what seller code prints must not mix with the answers
    sys.dont_write_bytecode = True
    os.chdir(job["folder"])
    os.environ.clear()
    os.environ.update(job["env"])
    sys.path.insert(0, job["folder"])
    sent = _deterministic() if job.get("deterministic") else None
    try:
        import run_case  # type: ignore[import-not-found]

        answer = {"ok": True, "result": run_case.run(), "requests": sent}
    except BaseException:
        answer = {"ok": False, "error": traceback.format_exc(limit=8)}
    data = json.dumps(answer, default=repr).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(out, view):]
    os.close(out)
    os._exit(0)


def run(job: dict[str, Any]) -> dict[str, Any]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        _child(job, write)
    os.close(write)
    chunks: list[bytes] = []
    deadline = time.monotonic() + float(job.get("timeout", 60))
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([read], [], [], max(left, 0))
        if not ready:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        chunk = os.read(read, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    if timed_out:
        return {"ok": False, "error": f"timed out after {job.get('timeout', 60)}s"}
    try:
        answer: dict[str, Any] = json.loads(b"".join(chunks) or b"null") or {
            "ok": False, "error": "the run died without an answer"}
    except ValueError:
        answer = {"ok": False, "error": "the run's answer was not JSON"}
    return answer


def main() -> int:
    for name in PRELOAD:
        importlib.import_module(name)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(run(json.loads(line)), default=repr), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One token request per credential pair, whoever asks (threads, tasks, several event loops,
a forked child), and its failure handed to every caller typed, with its message."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

import shim
from migrate.emulator import EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET
from tests.shim.conftest import token_requests

ROOT = Path(__file__).resolve().parents[2]


def _run_threads(count: int, target: object) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]  # type: ignore[arg-type]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_threads_and_tasks_on_a_cold_cache_share_one_request(server: EmulatorServer) -> None:
    server.emulator.inject("delay", "/v3/token", delay=0.5)
    start = threading.Barrier(251)  # 250 threads, and the thread running 250 tasks
    tokens: list[str] = []
    lock = threading.Lock()

    def in_a_thread() -> None:
        start.wait()
        token = shim.access_token(SELLER_ID, SELLER_SECRET, environment=server.url)
        with lock:
            tokens.append(token)

    async def tasks() -> list[str]:
        start.wait()
        return list(await asyncio.gather(*(
            shim.aaccess_token(SELLER_ID, SELLER_SECRET, environment=server.url)
            for _ in range(250))))

    def in_a_loop() -> None:
        found = asyncio.run(tasks())
        with lock:
            tokens.extend(found)

    loop_thread = threading.Thread(target=in_a_loop)
    loop_thread.start()
    _run_threads(250, in_a_thread)
    loop_thread.join()
    assert len(tokens) == 500
    assert len(set(tokens)) == 1
    assert token_requests(server) == 1


def test_twenty_event_loops_share_one_request(server: EmulatorServer) -> None:
    server.emulator.inject("delay", "/v3/token", delay=0.5)
    start = threading.Barrier(20)
    tokens: list[str] = []

    def own_loop() -> None:
        start.wait()
        tokens.append(asyncio.run(shim.aaccess_token(SELLER_ID, SELLER_SECRET,
                                                      environment=server.url)))

    _run_threads(20, own_loop)
    assert len(tokens) == 20 and len(set(tokens)) == 1
    assert token_requests(server) == 1


def test_a_loop_that_ends_mid_request_does_not_strand_the_others(server: EmulatorServer) -> None:
    """The leading task's loop shuts down before the answer: callers elsewhere fetch anew."""
    server.emulator.inject("delay", "/v3/token", delay=0.6)
    provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url)

    async def leave_early() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(provider.atoken(), 0.1)

    asyncio.run(leave_early())  # cancels the leading task as the loop closes
    assert provider._entry.flight is None  # landed as abandoned, not left in place
    assert provider.token() == server.emulator.issued_tokens()[-1].token


def _refusing_cassette(tmp_path: Path) -> vcr.VCR:
    """VCR.py replaying a cassette with no token request in it: every request is refused with
    its own exception, which cannot be copied. Matching takes a moment, so the callers that
    arrive meanwhile wait on the first one's request."""
    def slowly(request: object) -> object:
        time.sleep(0.3)
        return request

    return vcr.VCR(record_mode="none", before_record_request=slowly,
                   cassette_library_dir=str(tmp_path))


def _is_the_cassette_refusal(error: BaseException) -> bool:
    return (type(error) is shim.TokenError
            and isinstance(error.__cause__, CannotOverwriteExistingCassetteException)
            and str(error.__cause__) in str(error))  # VCR.py's whole message


def test_a_cassette_refusal_reaches_every_waiting_thread(tmp_path: Path) -> None:
    provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment="http://127.0.0.1:9")
    errors: list[BaseException] = []
    start = threading.Barrier(30)

    def call() -> None:
        start.wait()
        try:
            provider.token()
        except BaseException as exc:
            errors.append(exc)

    with _refusing_cassette(tmp_path).use_cassette("legacy.yaml"):
        _run_threads(30, call)
    assert len(errors) == 30
    assert all(_is_the_cassette_refusal(e) for e in errors), {type(e) for e in errors}
    assert len({id(e) for e in errors}) == 30  # each raised its own object
    assert len({id(e.__cause__) for e in errors}) == 1  # all from the one request


def test_a_cassette_refusal_reaches_every_waiting_task(tmp_path: Path) -> None:
    provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment="http://127.0.0.1:9")

    async def run() -> list[object]:
        return list(await asyncio.gather(*(provider.atoken() for _ in range(30)),
                                         return_exceptions=True))

    with _refusing_cassette(tmp_path).use_cassette("legacy.yaml"):
        results = asyncio.run(run())
    assert all(isinstance(r, BaseException) and _is_the_cassette_refusal(r) for r in results)


def test_waiters_get_the_shims_own_errors_with_type_and_fields(server: EmulatorServer) -> None:
    server.emulator.inject("delay", "/v3/token", delay=0.3)
    provider = shim.TokenProvider(SELLER_ID, "wrong-secret", environment=server.url)
    errors: list[BaseException] = []
    _run_threads(20, lambda: _record(provider, errors))
    assert all(isinstance(e, shim.TokenRejectedError) and e.status == 401 for e in errors)
    waiters = [e for e in errors if e.__cause__ is not None]
    assert len(waiters) == 19
    assert all(str(e) == str(e.__cause__) for e in waiters)
    assert token_requests(server) == 1


def _record(provider: shim.TokenProvider, errors: list[BaseException]) -> None:
    try:
        provider.token()
    except BaseException as exc:
        errors.append(exc)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_child_forked_during_a_token_request_gets_its_own(server: EmulatorServer) -> None:
    server.emulator.inject("delay", "/v3/token", delay=1.5)  # the parent's request only
    provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url)
    parent = threading.Thread(target=provider.token)
    parent.start()
    while provider._entry.flight is None:
        time.sleep(0.01)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only this thread exists here, and the flight's leader does not
        status = 1
        try:
            os.close(read_end)
            os.write(write_end, provider.token().encode()[:64])
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    waited = 0.0
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if waited > 15:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child waited for its parent's token request for good")
        time.sleep(0.05)
        waited += 0.05
    child_token = os.read(read_end, 64)
    os.close(read_end)
    parent.join()
    assert child_token
    assert token_requests(server) == 2


# The same in a fresh interpreter, where the leader's request is the process's first: httpx
# loads its transport on its first client, and a child forked while the leader's thread was
# loading it kept it half made.
_FORK_DURING_THE_FIRST_REQUEST = """
import os, sys, threading, time
import shim
provider = shim.TokenProvider()
leader = threading.Thread(target=provider.token)
leader.start()
# As soon as the request is in flight and httpx's transport is in sys.modules (put there
# when its import begins): the moment a child would inherit it half made.
while provider._entry.flight is None or "httpcore" not in sys.modules:
    time.sleep(0.0005)
pid = os.fork()
if pid == 0:
    try:
        provider.token()
        code = 0
    except BaseException as exc:
        sys.stderr.write(f"child: {type(exc).__name__}: {exc}\\n")
        code = 1
    sys.stderr.flush()
    os._exit(code)
_, status = os.waitpid(pid, 0)
leader.join()
sys.exit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_child_forked_during_a_process_first_token_request_gets_its_own(
        server: EmulatorServer) -> None:
    server.emulator.inject("delay", "/v3/token", delay=1.0)
    env = {**os.environ, "WALMART_CLIENT_ID": SELLER_ID, "WALMART_CLIENT_SECRET": SELLER_SECRET,
           "WALMART_ENV": server.url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", "-c",
                           _FORK_DURING_THE_FIRST_REQUEST], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert token_requests(server) == 2


def test_a_sync_call_inside_the_leading_loop_does_not_wait_on_itself(server: EmulatorServer) -> None:
    """Rewritten seller code may call access_token() inside async code while a task of the
    same loop leads the request: blocking there would stop the loop the answer needs."""
    server.emulator.inject("delay", "/v3/token", delay=0.5)
    provider = shim.TokenProvider(SELLER_ID, SELLER_SECRET, environment=server.url)

    async def run() -> tuple[str, str]:
        leading = asyncio.create_task(provider.atoken())
        while provider._entry.flight is None:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        blocking = provider.token()
        assert time.monotonic() - started < 5
        return blocking, await leading

    blocking, awaited = asyncio.run(run())
    assert blocking and awaited

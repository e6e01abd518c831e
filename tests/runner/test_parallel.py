"""Workers: a file's two passes run in one process (its tree and analysis are kept there), a
batch too small to pay for processes runs here, and a worker that dies is replaced by this
process. Real worker processes; the parse-once check runs the real transform."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import migrate.runner.transform as transform
from codemods.registry import CODEMODS, markers_of
from migrate.runner import parallel
from migrate.runner.forked import Broken, Forked
from migrate.runner.inputs import Plan, SourceFile
from migrate.runner.parallel import HERE, Workers, _Batch
from migrate.runner.results import FileResult
from migrate.runner.worker_life import leave_interrupts_to_the_run
from tests.runner.parse_count import count_parses

PARENT = os.getpid()
ROOT = Path(__file__).resolve().parents[2]
LEGACY = (b"import time\n\n"
          b"def headers(consumer_id, sign, url):\n"
          b"    ts = str(int(time.time() * 1000))\n"
          b"    return {'WM_SEC.AUTH_SIGNATURE': sign(url, ts), 'WM_SEC.TIMESTAMP': ts,\n"
          b"            'WM_CONSUMER.ID': consumer_id}\n")


@pytest.fixture(autouse=True)
def _fork_beside_the_test_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest-xdist talks to its worker process over a thread that ``threading`` does not
    list, and ``parallel._can_fork`` counts it (it counts every thread on Linux). These
    tests fork beside it, and start a thread of their own where they mean to see the
    workers start afresh; the real count has its own test, in a process of its own."""
    monkeypatch.setattr(parallel, "_can_fork", lambda: threading.active_count() == 1)


def _process(key: str) -> int:
    return os.getpid()


def _dies_in_a_worker(key: str, parent: int) -> str:
    # The parent's pid comes as an argument: a forkserver or spawned worker imports this
    # module afresh, where PARENT would be its own pid.
    if os.getpid() != parent:
        os._exit(3)
    return key


def _process_slowly(key: str) -> int:
    time.sleep(0.2)  # as long in either worker: neither runs out of its own files early
    return os.getpid()


def test_each_file_goes_back_to_the_process_that_first_had_it() -> None:
    keys = [f"f{i}.py" for i in range(8)]
    with Workers(2, print, small=0) as workers:
        first = workers.map(_process_slowly, [(k,) for k in keys], lambda _: None,
                            [(k, 100 + i) for i, k in enumerate(keys)])
        second = workers.map(_process_slowly, [(k,) for k in reversed(keys)], lambda _: None,
                             [(k, 1) for k in reversed(keys)])
    assert PARENT not in first
    assert len(set(first)) == 2  # the load is spread over both
    assert second == list(reversed(first))


def test_a_small_batch_stays_in_this_process() -> None:
    with Workers(2, print) as workers:
        found = workers.map(_process, [("a.py",), ("b.py",)], lambda _: None,
                            [("a.py", 2_000), ("b.py", 3_000)])
        assert workers.home("a.py") == HERE
    assert found == [PARENT, PARENT]


@pytest.mark.parametrize("thread_alive", [False, True], ids=["fork", "forkserver"])
def test_a_dead_worker_is_replaced_by_this_process(thread_alive: bool) -> None:
    warnings: list[str] = []
    # A live thread (a test server, an embedding application) makes the workers forkserver's.
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait, daemon=True)
    if thread_alive:
        waiter.start()
    try:
        with Workers(2, warnings.append, small=0) as workers:
            found = workers.map(_dies_in_a_worker, [("a.py", PARENT), ("b.py", PARENT)],
                                lambda _: None, [("a.py", 10), ("b.py", 10)])
    finally:
        stop.set()
    assert found == ["a.py", "b.py"]
    assert len(warnings) == 1 and "going on serially" in warnings[0]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return count_parses(monkeypatch)


def test_the_second_pass_uses_the_first_pass_tree(tmp_path: Path, parses: list[str]) -> None:
    path = tmp_path / "client.py"
    path.write_bytes(LEGACY)
    source = SourceFile(str(path), "client.py", "client")
    plan = Plan(CODEMODS, markers_of(CODEMODS))
    try:
        transform.analyze_file(source, plan, False, LEGACY)
        result = transform.migrate_file(source, plan, LEGACY)
    finally:
        transform.forget()
    assert isinstance(result, FileResult) and result.status == "unchanged"  # nothing it can prove
    assert parses == ["client.py"]


def test_changed_bytes_are_parsed_again(tmp_path: Path, parses: list[str]) -> None:
    source = SourceFile(str(tmp_path / "client.py"), "client.py", "client")
    plan = Plan(CODEMODS, markers_of(CODEMODS))
    try:
        transform.analyze_file(source, plan, False, LEGACY)
        edited = LEGACY.replace(b"consumer_id}", b"consumer_id, 'X': 1}")
        result = transform.migrate_file(source, plan, edited)
    finally:
        transform.forget()
    assert parses == ["client.py", "client.py"]
    assert result.status == "unchanged"


def _where(workers: Workers, size: int) -> set[int | None]:
    keys = [f"file{size}-{i}.py" for i in range(2)]  # new files: none has a home yet
    workers.map(_process, [(k,) for k in keys], lambda _: None, [(k, size // 2) for k in keys])
    return {workers.home(k) for k in keys}


def test_work_goes_to_workers_from_less_when_they_are_forked() -> None:
    """A forked worker starts with the tool imported: 32 kB of candidates pay for two of them.
    A worker started afresh (Windows, or a process with threads) imports it first, and 32 kB
    stay in this process."""
    forked = parallel._can_fork()
    with Workers(2, print) as workers:
        assert (_where(workers, 32 * 1024) == {HERE}) is not forked
    release = threading.Event()
    holder = threading.Thread(target=release.wait)
    holder.start()  # a thread: forking is not safe any more
    try:
        with Workers(2, print) as workers:
            assert _where(workers, 32 * 1024) == {HERE}
            assert HERE not in _where(workers, 2 * parallel.SMALL_WORK_UNFORKED)
    finally:
        release.set()
        holder.join()


def test_this_process_works_meanwhile_only_while_workers_have_work() -> None:
    done: list[str] = []
    with Workers(2, print, small=0) as workers:
        pids = workers.map(_process, [("a.py",), ("b.py",)], lambda _: None,
                           [("a.py", 10), ("b.py", 10)], lambda: done.append("meanwhile"))
        assert PARENT not in pids and done == ["meanwhile"]
    with Workers(1, print) as workers:  # one job: everything here, nothing to wait for
        workers.map(_process, [("c.py",)], lambda _: None, [("c.py", 10)],
                    lambda: done.append("again"))
        assert done == ["meanwhile"]


def _slow_in(key: str, slow: frozenset[int]) -> int:
    """The process's pid; a second first when run in one of the ``slow`` processes."""
    if os.getpid() in slow:
        time.sleep(1.0)
    return os.getpid()


def test_a_worker_with_nothing_left_takes_waiting_files_from_another() -> None:
    """The second pass costs files differently from what their sizes say: a worker that
    runs out of its own files takes the last waiting ones of a busy worker, and the file's
    home moves with it."""
    keys = [f"f{i}.py" for i in range(8)]
    with Workers(2, print, small=0) as workers:
        first = workers.map(_process, [(k,) for k in keys], lambda _: None,
                            [(k, 100) for k in keys])
        busy = max(set(first), key=first.count)
        mine = [k for k, pid in zip(keys, first) if pid == busy]
        second = workers.map(_slow_in, [(k, frozenset({busy})) for k in keys], lambda _: None,
                             [(k, 1) for k in keys])
        moved = [k for k, pid in zip(keys, second) if k in mine and pid != busy]
        # Two were handed to the busy worker before it was known to be slow; the rest moved.
        assert len(mine) >= 4 and len(moved) == len(mine) - 2
        home = workers.home(next(k for k in mine if k not in moved))
        assert all(workers.home(k) != home for k in moved)


def test_a_file_with_two_calls_in_one_batch_never_moves() -> None:
    batch = _Batch([0, 0, 0, 1], [("a.py", 1), ("b.py", 1), ("b.py", 1), ("c.py", 1)])
    assert batch.next_for(1) == 3  # its own first
    assert batch.next_for(1) == 0  # then the last of the other's that may move: not b.py's
    assert batch.next_for(1) is None
    assert [batch.next_for(0), batch.next_for(0), batch.next_for(0)] == [1, 2, None]


def _echo_big(key: str, payload: bytes) -> bytes:
    return payload[::-1]


def _answers(pool: Forked, calls: int) -> list[tuple[int, int, bool, Any]]:
    found: list[tuple[int, int, bool, Any]] = []
    while len(found) < calls:
        found += pool.wait()
    return sorted(found, key=lambda answer: answer[1])


@pytest.fixture
def forked() -> Iterator[Forked]:
    """Two workers forked from here, the first loading nothing."""
    pool = Forked(2, leave_interrupts_to_the_run, lambda: None)
    pool.start()
    try:
        yield pool
    finally:
        pool.close()


def test_large_calls_and_answers_cross_both_ways_at_once(forked: Forked) -> None:
    """A worker writing a large answer while this process writes it a large call: neither
    waits for the other (the pipes hold 64 kB)."""
    payloads = [bytes([i]) * (3 << 20) + b"end" for i in range(6)]
    tickets = [forked.submit(i % 2, _echo_big, (f"f{i}.py", p)) for i, p in enumerate(payloads)]
    answers = _answers(forked, len(payloads))
    assert [ticket for _, ticket, _, _ in answers] == tickets
    assert [value for _, _, _, value in answers] == [p[::-1] for p in payloads]
    assert forked.busy == 0


def _family() -> tuple[int, int]:
    return os.getpid(), os.getppid()


def test_the_first_worker_forks_the_others(forked: Forked) -> None:
    """The analysis is loaded once, in the first worker; the others are forked from it."""
    forked.submit(0, _family, ())
    forked.submit(1, _family, ())
    (_, _, _, first), (_, _, _, second) = _answers(forked, 2)
    assert first[1] == os.getpid() and second[1] == first[0]


class _Refused(Exception):
    pass


def _refuse(key: str) -> str:
    raise _Refused(f"{key} refused")


def _unpicklable(key: str) -> object:
    return lambda: key


def test_an_exception_in_a_worker_comes_back_as_an_answer(forked: Forked) -> None:
    forked.submit(1, _refuse, ("a.py",))
    forked.submit(1, _unpicklable, ("b.py",))
    (_, _, refused, raised), (_, _, crossed, problem) = _answers(forked, 2)
    assert (refused, crossed) == (False, False)
    assert isinstance(raised, _Refused) and str(raised) == "a.py refused"
    assert isinstance(problem, RuntimeError) and "cannot cross to the run" in str(problem)


def test_a_worker_that_dies_breaks_the_pool(forked: Forked) -> None:
    forked.submit(1, os._exit, (3,))
    with pytest.raises(Broken, match="worker 1 ended"):
        _answers(forked, 1)


def test_an_exception_in_a_worker_is_raised_here() -> None:
    with Workers(2, print, small=0) as workers, pytest.raises(_Refused, match="refused"):
        workers.map(_refuse, [("a.py",), ("b.py",)], lambda _: None,
                    [("a.py", 10), ("b.py", 10)])


def _explode() -> None:
    raise TypeError("this value cannot be made here")


class _OneWay:
    """Pickles, and does not unpickle."""

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return _explode, ()


def _one_way(key: str) -> object:
    return _OneWay() if os.getpid() != PARENT else key


def test_an_answer_that_cannot_be_read_here_breaks_the_pool(forked: Forked) -> None:
    forked.submit(0, _one_way, ("a.py",))
    with pytest.raises(Broken, match="cannot be read here"):
        _answers(forked, 1)


def test_an_answer_that_cannot_be_read_here_is_worked_out_here(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_can_fork", lambda: True)  # whatever threads are left
    warnings: list[str] = []
    with Workers(2, warnings.append, small=0) as workers:
        found = workers.map(_one_way, [("a.py",), ("b.py",)], lambda _: None,
                            [("a.py", 10), ("b.py", 10)])
        again = workers.map(_one_way, [("c.py",)], lambda _: None, [("c.py", 10)])
    assert (found, again) == (["a.py", "b.py"], ["c.py"])
    assert len(warnings) == 1 and "cannot be read here" in warnings[0]


def _open_descriptors() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
def test_a_fork_that_fails_leaves_nothing_open(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    before = _open_descriptors()
    monkeypatch.setattr(os, "fork", refused)
    pool = Forked(3, leave_interrupts_to_the_run, lambda: None)
    with pytest.raises(OSError, match="temporarily unavailable"):
        pool.start()
    pool.close()
    assert _open_descriptors() == before


_SAYING = """
import sys
from migrate.runner.worker_life import leave_interrupts_to_the_run
from migrate.runner.forked import Forked
from tests.runner.test_parallel import _answers, _say
pool = Forked(2, leave_interrupts_to_the_run, lambda: None)
pool.start()
pool.submit(0, _say, ("first worker",))
pool.submit(1, _say, ("second worker",))
_answers(pool, 2)
pool.close()
"""


def _say(text: str) -> None:
    print(text, end="")  # buffered: standard output is a pipe
    sys.stderr.write(text.upper())


def test_what_a_worker_writes_reaches_the_run_s_output() -> None:
    """A worker ends with ``os._exit``, which writes nothing buffered: it flushes first."""
    import subprocess

    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run([sys.executable, "-c", _SAYING], capture_output=True, text=True,
                          timeout=60, env={**environment, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    for said in ("first worker", "second worker"):  # each once, whole
        assert done.stdout.count(said) == 1 and done.stderr.count(said.upper()) == 1


_ADOPTING = """
import ctypes, json, os, sys, time
from migrate.runner.worker_life import leave_interrupts_to_the_run
from migrate.runner.forked import Forked
from tests.processes import processes
from tests.runner.test_parallel import _answers, _family
ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphans become this process's
pool = Forked(3, leave_interrupts_to_the_run, lambda: None)
pool.start()
for worker in range(3):
    pool.submit(worker, _family, ())
_answers(pool, 3)
pool.submit(1, time.sleep, (30,))  # still out: the pool is killed
pool.close()
time.sleep(0.2)
print(json.dumps([(pid, fields[0]) for pid, fields in processes()
                  if int(fields[1]) == os.getpid()]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a subreaper is Linux's")
def test_a_run_that_adopts_orphans_reaps_its_killed_workers() -> None:
    """A container's first process (or a subreaper) adopts the workers the first one forked
    when it is killed: they are reaped, not left as zombies."""
    import json
    import subprocess

    done = subprocess.run([sys.executable, "-c", _ADOPTING], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


_WATCHING = """
import threading
from watchfiles._rust_notify import RustNotify
from migrate.runner import parallel
before = parallel._can_fork()
watcher = RustNotify(["."], False, False, 0, True, False)  # scan --watch's own watcher
print(before, threading.active_count(), parallel._can_fork())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux lists native threads")
def test_a_native_thread_makes_the_workers_start_afresh(tmp_path: Path) -> None:
    """The file watcher of ``scan --watch`` is a thread Python does not know of: forking
    beside it is no safer than beside a Python thread."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", _WATCHING], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.split() == ["True", "1", "False"], done.stderr

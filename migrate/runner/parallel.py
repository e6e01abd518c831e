"""Run per-file work over many files: worker processes when it pays, in this process otherwise.
Workers get module-level functions and plain data, never lambdas or codemod objects.

A file's work in the second pass reuses the tree and analysis its first pass made, which live
in the process that made them. So every worker is a process of its own, and a file goes back
to the process that first had it (its home); new files go to the least loaded one. Work too
small to pay for starting processes (a few candidates on a two-core machine) stays here."""

from __future__ import annotations

import multiprocessing
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, TypeVar

__all__ = ["HERE", "SMALL_WORK", "SMALL_WORK_UNFORKED", "Workers"]

T = TypeVar("T")

HERE = -1  # the home of work done in this process
# Bytes of source below which a batch runs here: starting workers, sending the plan and
# bringing the results back cost more than parsing and rewriting that much on one core.
# Analysing and rewriting a candidate takes about 20 ms per kB; a forked worker starts in a
# few ms with everything imported: 20 legacy files (30 kB) in a 2,000-file tree took 0.2 s
# less with two workers, and the sample seller (14 kB) took the same either way. A worker
# that is not forked (Windows, or a process with threads) imports the tool afresh, about
# half a second, and pays only for far more work.
SMALL_WORK = 16 * 1024
SMALL_WORK_UNFORKED = 256 * 1024


def _context() -> multiprocessing.context.BaseContext:
    # fork is the cheapest start, and safe while this process has a single thread; a
    # process with threads (a test server, an embedding application) gets forkserver.
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _leave_interrupts_to_the_run() -> None:
    # ctrl-C reaches the whole process group: the run decides what stops and what is put
    # back; a worker dying with a traceback mid-file would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Workers:
    """One set of worker processes for a whole run (both passes), started only when there is
    work for them."""

    def __init__(self, jobs: int, warn: Callable[[str], None], small: int | None = None) -> None:
        self.jobs = jobs
        self.warn = warn
        self._small = small
        self._processes: list[ProcessPoolExecutor] = []
        self._load: list[int] = []
        self._homes: dict[str, int] = {}
        self._broken = False

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self._processes:
            process.shutdown(cancel_futures=True)

    def home(self, key: str) -> int | None:
        """Where the work of ``key`` was done: ``HERE`` or a worker's number."""
        return self._homes.get(key)

    def _threshold(self) -> int:
        if self._small is not None:
            return self._small
        if self._processes:  # started already: only the round trips are left to pay
            return SMALL_WORK
        return SMALL_WORK if _context().get_start_method() == "fork" else SMALL_WORK_UNFORKED

    def _places(self, work: list[tuple[str, int]]) -> list[int]:
        """A home for each (key, bytes): its own, else this process for a small batch, else
        the least loaded worker (largest first, so the load evens out)."""
        places = [self._homes.get(key, -2) for key, _ in work]
        new = [i for i, place in enumerate(places) if place == -2]
        if self.jobs <= 1 or self._broken or len(work) <= 1 or \
                sum(work[i][1] for i in new) < self._threshold():
            for i in new:
                places[i] = HERE
        else:
            if not self._processes:
                context = _context()
                self._processes = [
                    ProcessPoolExecutor(max_workers=1, mp_context=context,
                                        initializer=_leave_interrupts_to_the_run)
                    for _ in range(self.jobs)]
                self._load = [0] * self.jobs
            for i in sorted(new, key=lambda i: -work[i][1]):
                places[i] = min(range(self.jobs), key=self._load.__getitem__)
                self._load[places[i]] += work[i][1]
        for (key, _), place in zip(work, places):
            self._homes[key] = place
        return places

    def map(self, function: Callable[..., T], calls: list[tuple[Any, ...]],
            advance: Callable[[T], None], work: list[tuple[str, int]] | None = None,
            meanwhile: Callable[[], None] | None = None) -> list[T]:
        """``function(*call)`` for every call, results in call order. ``work`` names each
        call's file and its size: a file's calls all run in one process. ``meanwhile``: work
        of this process's own to do while workers have some (not called when none have)."""
        work = work if work is not None else [(f"#{i}", 1 << 20) for i in range(len(calls))]
        places = self._places(work)
        results: dict[int, T] = {}
        futures: list[tuple[int, Future[T]]] = []
        try:
            futures = [(i, self._processes[place].submit(function, *call))
                       for i, (call, place) in enumerate(zip(calls, places)) if place != HERE]
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            self._give_up(exc)
        for i, (call, place) in enumerate(zip(calls, places)):
            if place == HERE:  # while the workers work
                results[i] = function(*call)
                advance(results[i])
        if futures and meanwhile is not None:
            meanwhile()
        for i, future in futures:
            try:
                results[i] = future.result()
            except (BrokenProcessPool, OSError) as exc:
                self._give_up(exc)
                break
            advance(results[i])
        for i, call in enumerate(calls):
            if i not in results:  # a worker failed: here, from scratch
                results[i] = function(*call)
                advance(results[i])
        return [results[i] for i in range(len(calls))]

    def _give_up(self, exc: BaseException) -> None:
        if not self._broken:
            self.warn(f"worker processes failed ({type(exc).__name__}: {exc}); going on serially")
        self._broken = True
        self._homes = {k: HERE for k in self._homes}

"""Run per-file work over many files: worker processes when it pays, serially otherwise.
Workers get module-level functions and plain data, never lambdas or codemod objects."""

from __future__ import annotations

import multiprocessing
import signal
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, TypeVar

__all__ = ["Workers"]

T = TypeVar("T")


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
    """One pool for a whole run (both passes), started only when there is work for it."""

    def __init__(self, jobs: int, warn: Callable[[str], None]) -> None:
        self.jobs = jobs
        self.warn = warn
        self._pool: Executor | None = None
        self._broken = False

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def _executor(self) -> Executor | None:
        if self._pool is None and not self._broken:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=_context(),
                                             initializer=_leave_interrupts_to_the_run)
        return self._pool

    def map(self, function: Callable[..., T], calls: list[tuple[Any, ...]],
            advance: Callable[[T], None]) -> list[T]:
        """``function(*call)`` for every call, results in call order."""
        results: dict[int, T] = {}
        if self.jobs > 1 and len(calls) > 1:
            try:
                pool = self._executor()
                if pool is not None:
                    futures = {pool.submit(function, *call): i for i, call in enumerate(calls)}
                    for future in as_completed(futures):
                        index = futures[future]
                        results[index] = future.result()
                        advance(results[index])
            except (BrokenProcessPool, OSError) as exc:
                self.warn(f"worker processes failed ({type(exc).__name__}: {exc}); going on serially")
                self._broken, self._pool = True, None
        for index, call in enumerate(calls):
            if index not in results:
                results[index] = function(*call)
                advance(results[index])
        return [results[i] for i in range(len(calls))]

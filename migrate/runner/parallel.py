"""Run per-file work over many files: worker processes when it pays, in this process otherwise.
Workers get module-level functions and plain data, never lambdas or codemod objects.

A file's work in the second pass reuses the tree and analysis its first pass made, which live
in the process that made them. So every worker is a process of its own, and a file goes back
to the process that first had it (its home); new files go to the least loaded one, and a
worker with nothing left takes waiting files from another. Work too small to pay for starting
processes (a few candidates on a two-core machine) stays here.

Workers are forked where they can be (``migrate.runner.forked``): the first loads LibCST and
the codemods and forks the others. A run that may parse starts them first of all
(``start_early``), so that they load while this process finds the files and reads the cache,
and every file is then parsed there - this process never loads them. A run the cache answers
after all kills them unused. Where this process cannot fork (Windows, or it has threads),
each worker is a ProcessPoolExecutor's, started afresh."""

from __future__ import annotations

import os
import threading
from collections import Counter, deque
from typing import Any, Callable, TypeVar

from migrate.runner import tasks
from migrate.runner.executors import Executors
from migrate.runner.forked import Broken, Forked
from migrate.runner.worker_life import leave_interrupts_to_the_run

__all__ = ["HERE", "SMALL_WORK", "SMALL_WORK_STARTED", "SMALL_WORK_UNFORKED", "Workers"]

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
# Once workers run, a batch costs only its round trips, a millisecond or two, against about
# 6 ms per kB of work: the four 3 kB files a run joins for the credentials they pass took
# 0.045 s here and 0.025 s in two workers.
SMALL_WORK_STARTED = 4 * 1024


def _can_fork() -> bool:
    # fork is the cheapest start, and safe while this process has a single thread; a
    # process with threads (a test server, an embedding application, the file watcher of
    # scan --watch) gets forkserver. Linux lists every thread, native ones too; elsewhere
    # only Python's own are known.
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return True


class Workers:
    """One set of worker processes for a whole run (both passes), started only when there is
    work for them."""

    def __init__(self, jobs: int, warn: Callable[[str], None], small: int | None = None) -> None:
        self.jobs = jobs
        self.warn = warn
        self._small = small
        self._pool: Forked | Executors | None = None
        self._load: list[int] = []
        self._homes: dict[str, int] = {}
        self._broken = False
        self._early = False  # started before the run knew its work
        self._used = False  # given work of the run's own

    def start_early(self) -> None:
        """Start the workers now, the first loading the analysis, when they can be forked and
        this process has not loaded it: the work of the run then all goes to them."""
        if self.jobs <= 1 or self._pool is not None or tasks.loaded() or not _can_fork():
            return
        self._start()
        self._early = not self._broken

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            # Workers still loading what no work needs are killed, not waited for.
            self._pool.close(kill=self._early and not self._used)

    def _start(self) -> None:
        pool: Forked | Executors
        if _can_fork():
            pool = Forked(self.jobs, leave_interrupts_to_the_run, tasks.load)
        else:
            pool = Executors(self.jobs)
        self._pool = pool
        self._load = [0] * self.jobs
        try:
            pool.start()
        except OSError as exc:  # no more processes allowed, no memory to fork
            self._give_up(exc)

    def _lean(self) -> bool:
        """Whether the workers take all the work: started early, and this process has not
        loaded the analysis since (work done here when they failed loads it)."""
        return self._early and not self._broken and not tasks.loaded()

    def home(self, key: str) -> int | None:
        """Where the work of ``key`` was done: ``HERE`` or a worker's number."""
        return self._homes.get(key)

    def _threshold(self) -> int:
        if self._small is not None:
            return self._small
        if self._pool is not None:  # started already: only the round trips are left to pay
            return SMALL_WORK_STARTED
        return SMALL_WORK if _can_fork() else SMALL_WORK_UNFORKED

    def _places(self, work: list[tuple[str, int]]) -> list[int]:
        """A home for each (key, bytes): its own, else this process for a small batch, else
        the least loaded worker (largest first, so the load evens out)."""
        places = [self._homes.get(key, -2) for key, _ in work]
        new = [i for i, place in enumerate(places) if place == -2]
        if not self._lean() and (self.jobs <= 1 or self._broken or len(work) <= 1 or
                                 sum(work[i][1] for i in new) < self._threshold()):
            for i in new:
                places[i] = HERE
        else:
            if self._pool is None:
                self._start()
            for i in sorted(new, key=lambda i: -work[i][1]):
                places[i] = HERE if self._broken else \
                    min(range(self.jobs), key=self._load.__getitem__)
                if places[i] != HERE:
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
        if not calls:
            return []
        self._used = True
        places = self._places(work)
        results: dict[int, T] = {}
        batch = _Batch(places, work)
        running: dict[int, int] = {}  # ticket -> call
        handed: Counter[int] = Counter()  # worker -> calls out

        def feed(worker: int, steal: bool = True) -> None:
            assert self._pool is not None
            while handed[worker] < _IN_FLIGHT:
                i = batch.next_for(worker, steal)
                if i is None:
                    return
                running[self._pool.submit(worker, function, calls[i])] = i
                handed[worker] += 1
                self._homes[work[i][0]] = worker

        try:
            for steal in (False, True):  # every worker its own first
                for worker in batch.workers():
                    feed(worker, steal)
        except Broken as exc:
            self._give_up(exc)
        for i, place in enumerate(places):
            if place == HERE:  # while the workers work
                results[i] = function(*calls[i])
                advance(results[i])
        if running and meanwhile is not None and not self._broken:
            meanwhile()
        while running and not self._broken:
            assert self._pool is not None
            try:
                answers = self._pool.wait()
            except Broken as exc:
                self._give_up(exc)
                break
            for worker, ticket, returned, value in answers:
                if ticket not in running:
                    continue  # a call of a map that ended in an error
                i = running.pop(ticket)
                handed[worker] -= 1
                if not returned:
                    if not isinstance(value, OSError):
                        raise value
                    self._give_up(value)  # the worker cannot read or write any more
                    break
                results[i] = value
                advance(value)
                try:
                    feed(worker)
                except Broken as exc:
                    self._give_up(exc)
                    break
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


# Calls handed to a worker at a time: one running and one waiting, so that no worker idles
# for a round trip; the rest wait here, where an idle worker can still take them.
_IN_FLIGHT = 2


class _Batch:
    """The calls of one ``map`` not yet handed to a worker, each in its home's queue.

    A worker whose queue is empty takes the last call of the longest other queue, one its
    home would come to last: the second pass costs files very differently from what their
    size says (0.003 s to 0.03 s for files of one size), and a file that moves is parsed
    again there, which costs less than a worker waiting. A file with more than one call in
    the batch never moves: its calls run in one process."""

    def __init__(self, places: list[int], work: list[tuple[str, int]]) -> None:
        self._queues: dict[int, deque[int]] = {}
        for i, place in enumerate(places):
            if place != HERE:
                self._queues.setdefault(place, deque()).append(i)
        counts = Counter(key for key, _ in work)
        self._fixed = {i for i, (key, _) in enumerate(work) if counts[key] > 1}

    def workers(self) -> list[int]:
        return list(self._queues)

    def next_for(self, worker: int, steal: bool = True) -> int | None:
        own = self._queues.setdefault(worker, deque())
        if own:
            return own.popleft()
        if not steal:
            return None
        others = sorted((q for w, q in self._queues.items() if w != worker),
                        key=len, reverse=True)
        for queue in others:
            for position in range(len(queue) - 1, -1, -1):
                if queue[position] not in self._fixed:
                    taken = queue[position]
                    del queue[position]
                    return taken
        return None

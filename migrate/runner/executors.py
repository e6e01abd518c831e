"""Workers started afresh, one ProcessPoolExecutor each: where the run cannot fork (Windows,
or it has threads), a worker starts a new interpreter (forkserver, spawn) and imports what it
needs. The same calls as ``migrate.runner.forked.Forked``. multiprocessing and
concurrent.futures load only when workers start: a run the cache answers needs neither."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from migrate.runner.forked import Broken
from migrate.runner.worker_life import leave_interrupts_to_the_run

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future

__all__ = ["Executors"]


def _context() -> multiprocessing.context.BaseContext:
    """Where this process cannot fork: how its workers start afresh."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class Executors:
    """One ProcessPoolExecutor per worker: where this process cannot fork, its workers start
    afresh (forkserver, spawn) and import what they need. The same calls as ``Forked``."""

    def __init__(self, jobs: int) -> None:
        from concurrent.futures import ProcessPoolExecutor

        context = _context()
        self._processes = [
            ProcessPoolExecutor(max_workers=1, mp_context=context,
                                initializer=leave_interrupts_to_the_run, initargs=(0,))
            for _ in range(jobs)]
        self._running: dict[Future[Any], tuple[int, int]] = {}  # -> (worker, ticket)
        self._ticket = 0

    @property
    def busy(self) -> int:
        return len(self._running)

    def start(self) -> None:
        pass  # each starts with its first call

    def submit(self, worker: int, function: Callable[..., Any], args: tuple[Any, ...]) -> int:
        self._ticket += 1
        try:
            future = self._processes[worker].submit(function, *args)
        except (OSError, RuntimeError) as exc:  # BrokenProcessPool is a RuntimeError
            raise Broken(str(exc)) from exc
        self._running[future] = (worker, self._ticket)
        return self._ticket

    def wait(self) -> list[tuple[int, int, bool, Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        finished, _ = wait(self._running, return_when=FIRST_COMPLETED)
        answers = []
        for future in finished:
            worker, ticket = self._running.pop(future)
            try:
                answers.append((worker, ticket, True, future.result()))
            except BrokenProcessPool as exc:
                raise Broken(str(exc)) from exc
            except BaseException as exc:  # the run re-raises it
                answers.append((worker, ticket, False, exc))
        return answers

    def close(self, kill: bool = False) -> None:
        del kill  # a running call is waited for
        for process in self._processes:
            process.shutdown(cancel_futures=True)

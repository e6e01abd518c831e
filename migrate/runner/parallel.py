"""Run the per-file pipeline over many files: processes when it pays, serially otherwise.
Workers get module paths and plain data, never lambdas or codemod objects."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

from migrate.runner.results import FileResult
from migrate.runner.transform import Plan, migrate_file

__all__ = ["map_files"]

Advance = Callable[[FileResult | None], None]


def _context() -> multiprocessing.context.BaseContext:
    # fork is the cheapest start, and safe while this process has a single thread; a
    # process with threads (a test server, an embedding application) gets forkserver.
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _serial(items: list[tuple[Path, str]], plan: Plan, advance: Advance,
            results: dict[int, FileResult | None], indexes: list[int]) -> None:
    for index in indexes:
        path, display = items[index]
        results[index] = migrate_file(str(path), display, plan)
        advance(results[index])


def map_files(items: list[tuple[Path, str]], plan: Plan, jobs: int, advance: Advance,
              warn: Callable[[str], None]) -> list[FileResult | None]:
    """One result per item, in order (None for files without a marker)."""
    results: dict[int, FileResult | None] = {}
    pending = list(range(len(items)))
    if jobs > 1 and len(items) > 1:
        try:
            with ProcessPoolExecutor(max_workers=min(jobs, len(items)),
                                     mp_context=_context()) as pool:
                futures = {pool.submit(migrate_file, str(items[i][0]), items[i][1], plan): i
                           for i in pending}
                for future in as_completed(futures):
                    index = futures[future]
                    results[index] = future.result()
                    advance(results[index])
        except (BrokenProcessPool, OSError) as exc:
            warn(f"worker processes failed ({type(exc).__name__}: {exc}); going on serially")
        pending = [i for i in pending if i not in results]
    _serial(items, plan, advance, results, pending)
    return [results[i] for i in range(len(items))]

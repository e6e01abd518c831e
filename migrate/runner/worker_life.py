"""How a worker process lives beside its run: interrupts are the run's to handle, and it ends
when its run ends, however that happens."""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["leave_interrupts_to_the_run"]


def leave_interrupts_to_the_run(parent: int) -> None:
    # ctrl-C, and a CI job's SIGTERM, reach the whole process group: the run decides what
    # stops and what is put back, and shuts its workers down; a worker dying with a
    # traceback mid-file would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _end_with(parent)


# prctl(PR_SET_PDEATHSIG): Linux sends the signal when the process that made this one ends.
_PR_SET_PDEATHSIG = 1


def _end_with(parent: int) -> None:
    """A worker whose run is killed outright (kill -9, the out-of-memory killer) would wait
    for work forever: on Linux it is killed with it. Elsewhere a run's workers end when the
    run ends in any way it can notice (its pipes close). ``parent``: the process that made
    this one, 0 when it is a forkserver's."""
    if not parent or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(0)

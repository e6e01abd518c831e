"""Worker processes forked from this one, spoken to over pipes.

The first worker loads the analysis (LibCST and the codemods, about 0.1 s), then forks the
others from itself: the analysis is loaded once, and every worker has it as soon as the
first does - where workers forked from here would each load it again, side by side on the
cores this process needs too. Only plain messages cross, each behind its length: a call is
the pickled ``(ticket, function, arguments)`` - a module-level function, by name - and an
answer carries its ticket and whether the call returned or raised beside the pickled value
or exception.

This process never blocks on a pipe: a worker that writes a large answer while this process
writes it a large call would otherwise wait for each other forever. Calls are written as the
pipes take them and answers read as they come, in one loop (``wait``). A worker whose pipe
closes has died: ``wait`` raises ``Broken``, and the run goes on without workers."""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import struct
import sys
from typing import Any, Callable

__all__ = ["Broken", "Forked"]

_LENGTH = struct.Struct("!Q")
_ANSWER = struct.Struct("!QQB")  # length, ticket (a pid for _FORKED), what it is
_RAISED, _RETURNED, _FORKED = range(3)  # _FORKED: the first worker forked another
_CHUNK = 1 << 20


class Broken(RuntimeError):
    """A worker died (killed, out of memory, a crash in C)."""


class _Pipe:
    """One worker's two pipes, as this process holds them."""

    def __init__(self) -> None:
        self.calls_read, self.calls = os.pipe()  # this process -> the worker
        self.answers, self.answers_write = os.pipe()  # the worker -> this process
        self.outgoing = bytearray()
        self.incoming = bytearray()

    def worker_side(self) -> tuple[int, int]:
        return self.calls_read, self.answers_write

    def own_side(self) -> tuple[int, int]:
        return self.calls, self.answers


class Forked:
    """``jobs`` workers, forked on ``start``; calls go to a worker by its number."""

    def __init__(self, jobs: int, setup: Callable[[int], None],
                 load: Callable[[], None]) -> None:
        self.jobs = jobs
        self._setup = setup  # in every worker, first, with its parent's pid
        self._load = load  # in the first worker, before it forks the others
        self._pipes: list[_Pipe] = []
        self._first = 0  # the first worker's pid
        self._others: list[int] = []  # the pids of those it forked, as it said them
        self._selector: selectors.BaseSelector | None = None
        self._writing: set[int] = set()  # pipes of calls waiting to take more
        self._ticket = 0
        self.busy = 0  # calls handed out and not answered

    def start(self) -> None:
        """Fork the first worker. Raises OSError (no process or memory to spare), with
        nothing left open."""
        self._pipes = []
        try:
            self._pipes += [_Pipe() for _ in range(self.jobs)]
            _flush()  # nothing buffered here is written twice
            parent = os.getpid()
            pid = os.fork()
        except OSError:
            self._close_own_side()
            for pipe in self._pipes:
                _close(*pipe.worker_side())
            self._pipes = []
            raise
        if pid == 0:
            self._first_worker(parent)  # never returns
        self._first = pid
        selector = self._selector = selectors.DefaultSelector()
        for worker, pipe in enumerate(self._pipes):
            _close(*pipe.worker_side())
            os.set_blocking(pipe.calls, False)
            os.set_blocking(pipe.answers, False)
            selector.register(pipe.answers, selectors.EVENT_READ, worker)

    def submit(self, worker: int, function: Callable[..., Any], args: tuple[Any, ...]) -> int:
        """Hand a call to a worker; its ticket, which ``wait`` answers with."""
        self._ticket += 1
        message = pickle.dumps((self._ticket, function, args), pickle.HIGHEST_PROTOCOL)
        pipe = self._pipes[worker]
        pipe.outgoing += _LENGTH.pack(len(message)) + message
        self.busy += 1
        self._write(worker)
        return self._ticket

    def wait(self) -> list[tuple[int, int, bool, Any]]:
        """At least one answer: (worker, ticket, whether it returned, its value or the
        exception it raised). Raises ``Broken`` when a worker died."""
        assert self._selector is not None
        while True:
            answers: list[tuple[int, int, bool, Any]] = []
            for worker, pipe in enumerate(self._pipes):
                answers += [(worker, *answer) for answer in self._answers(pipe)]
            if answers:
                self.busy -= len(answers)
                return answers
            for key, _ in self._selector.select():
                worker = key.data
                if key.fd == self._pipes[worker].calls:
                    self._write(worker)
                else:
                    self._read(worker)

    def _answers(self, pipe: _Pipe) -> list[tuple[int, bool, Any]]:
        """The whole answers at the start of the pipe's buffer, taken out of it."""
        found = []
        buffer = pipe.incoming
        while len(buffer) >= _ANSWER.size:
            length, ticket, what = _ANSWER.unpack_from(buffer)
            end = _ANSWER.size + length
            if len(buffer) < end:
                break
            payload = bytes(buffer[_ANSWER.size:end])
            del buffer[:end]
            if what == _FORKED:
                self._others.append(ticket)
                continue
            try:
                # From this run's own worker, over a pipe no one else holds.
                value = pickle.loads(payload)  # noqa: S301
            except Exception as exc:  # a class whose instances pickle but do not unpickle
                # What this process cannot read, it works out itself (``Workers``).
                raise Broken(f"an answer cannot be read here ({type(exc).__name__}: "
                             f"{exc})") from None
            found.append((ticket, what == _RETURNED, value))
        return found

    def _write(self, worker: int) -> None:
        pipe = self._pipes[worker]
        try:
            while pipe.outgoing:
                written = os.write(pipe.calls, pipe.outgoing[:_CHUNK])
                del pipe.outgoing[:written]
        except BlockingIOError:
            pass
        except OSError as exc:  # BrokenPipeError: it died
            raise Broken(f"worker {worker} ended ({exc.strerror})") from None
        assert self._selector is not None
        if pipe.outgoing and pipe.calls not in self._writing:
            self._selector.register(pipe.calls, selectors.EVENT_WRITE, worker)
            self._writing.add(pipe.calls)
        elif not pipe.outgoing and pipe.calls in self._writing:
            self._selector.unregister(pipe.calls)
            self._writing.discard(pipe.calls)

    def _read(self, worker: int) -> bool:
        """Whether the worker's pipe had anything to read. Raises ``Broken`` when closed."""
        pipe = self._pipes[worker]
        try:
            data = os.read(pipe.answers, _CHUNK)
        except BlockingIOError:
            return False
        except OSError as exc:
            raise Broken(f"worker {worker} ended ({exc.strerror})") from None
        if not data:
            raise Broken(f"worker {worker} ended")
        pipe.incoming += data
        return True

    def close(self, kill: bool = False) -> None:
        """End the workers: at once when ``kill`` (or when calls are still out), else once
        they have read that no more calls come."""
        if not self._first:
            return
        with contextlib.suppress(Broken):  # the pids the first worker said so far
            while self._read(0):
                pass
            self._answers(self._pipes[0])
        if self._selector is not None:
            self._selector.close()
        self._close_own_side()  # each worker reads that no more calls come
        if kill or self.busy:
            with contextlib.suppress(OSError):
                # The others end with it (``setup``); they are not killed by pid here, as
                # one that ended already may have left its pid to another process.
                os.kill(self._first, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self._first, 0)
        # Where this process adopts orphans (a container's first process, a subreaper),
        # the others became its children when the first ended: reaped, not left as zombies.
        for pid in self._others:
            with contextlib.suppress(OSError):  # ChildProcessError: not this process's
                os.waitpid(pid, 0)
        self._first = 0

    def _close_own_side(self) -> None:
        for pipe in self._pipes:
            _close(*pipe.own_side())

    # -- in the workers ------------------------------------------------------------------

    def _first_worker(self, parent: int) -> None:
        code = 1
        try:
            self._close_own_side()
            self._setup(parent)
            self._load()
            here = os.getpid()
            children = []
            for worker in range(1, self.jobs):
                _flush()
                pid = os.fork()
                if pid == 0:
                    self._worker(worker, here)  # never returns
                children.append(pid)
                _write_all(self._pipes[0].answers_write, _ANSWER.pack(0, pid, _FORKED))
            for pipe in self._pipes[1:]:
                _close(*pipe.worker_side())
            _serve(*self._pipes[0].worker_side())
            for pid in children:
                with contextlib.suppress(OSError):
                    os.waitpid(pid, 0)
            code = 0
        finally:
            _flush()
            os._exit(code)

    def _worker(self, worker: int, parent: int) -> None:
        code = 1
        try:
            for other, pipe in enumerate(self._pipes):
                if other != worker:
                    _close(*pipe.worker_side())
            self._setup(parent)
            _serve(*self._pipes[worker].worker_side())
            code = 0
        finally:
            _flush()
            os._exit(code)


def _flush() -> None:
    """What this process has buffered for its standard output and error, written: before a
    fork (or the child would write it again) and before ``os._exit`` (or it is lost)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def _close(*ends: int) -> None:
    for end in ends:
        with contextlib.suppress(OSError):
            os.close(end)


def _serve(calls: int, answers: int) -> None:
    """A worker's life: read a call, answer it, until the pipe of calls closes."""
    while True:
        message = _read_message(calls)
        if message is None:
            return
        ticket, function, args = pickle.loads(message)  # noqa: S301 - from the run itself
        try:
            value, what = function(*args), _RETURNED
        except BaseException as exc:  # the run re-raises it
            value, what = exc, _RAISED
        try:
            data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a value or an exception pickle cannot take
            what = _RAISED
            data = pickle.dumps(RuntimeError(
                f"{getattr(function, '__name__', function)}: its answer cannot cross to the "
                f"run ({type(exc).__name__}: {exc})"), pickle.HIGHEST_PROTOCOL)
        _write_all(answers, _ANSWER.pack(len(data), ticket, what) + data)


def _read_message(fd: int) -> bytes | None:
    head = _read_exactly(fd, _LENGTH.size)
    if head is None:
        return None
    (length,) = _LENGTH.unpack(head)
    return _read_exactly(fd, length)


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts = bytearray()
    while len(parts) < size:
        data = os.read(fd, min(size - len(parts), _CHUNK))
        if not data:
            return None
        parts += data
    return bytes(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:_CHUNK])
        view = view[written:]

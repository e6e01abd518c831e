"""The ``walmart-migrate`` console script, before anything of the tool is imported.

Two things stop a first run with a traceback instead of a sentence, so they are checked here,
with the standard library only:

- a command whose extra is not installed (``pip install walmart-migrate`` brings the shim
  alone; click and libcst come with ``[cli]``, VCR.py with ``[verify]``);
- a top-level ``migrate``, ``codemods`` or ``shim`` that is not this distribution's: a seller's
  own ``migrate.py`` on ``PYTHONPATH``, or another distribution (sqlalchemy-migrate and the
  ``migrate`` project both install a ``migrate`` package) whose files pip wrote over ours.
  The other way round - ours written over theirs - the command runs, with a warning that the
  other project is what is broken now.

This module's own name belongs to no one else, so it always loads; the packages it guards sit
beside it, in the same site-packages folder or checkout.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import sys
from base64 import urlsafe_b64encode
from functools import cache
from pathlib import Path, PurePosixPath
from typing import NamedTuple, NoReturn, Optional

__all__ = ["PACKAGES", "main", "missing_extra", "problem_with_packages", "sharing_packages"]

DISTRIBUTION = "walmart-migrate"
PACKAGES = ("migrate", "codemods", "shim")
ROOT = Path(__file__).resolve().parent
EXIT_USAGE = 2

_CLI = ("click", "libcst", "pathspec", *(("tomli",) if sys.version_info < (3, 11) else ()))
# The extra each command comes with, and the modules the command itself imports (no more: the
# secrets pre-commit hook runs `verify` with click and PyYAML alone).
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "scan": ("cli", _CLI),
    "apply": ("cli", _CLI),
    "list": ("cli", (*_CLI, "yaml")),
    "emulator": ("cli", ("click", "cryptography")),
    "doctor": ("cli", ("click", "cryptography")),
    "verify": ("verify", ("click", "yaml")),
    # The demo also runs the sample seller's own tests, replayed and recorded.
    "demo": ("demo", (*_CLI, "yaml", "cryptography", "vcr", "pytest_recording", "requests",
                      "Crypto")),
}


def _command(argv: list[str]) -> Optional[str]:
    """The subcommand named on the command line (options before it take no values)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def missing_extra(argv: list[str]) -> Optional[str]:
    """One line naming the extra to install when this command line cannot run, else None."""
    command = _command(argv)
    extra, modules = EXTRAS.get(command or "", ("cli", ("click",)))
    absent = [name for name in modules if importlib.util.find_spec(name) is None]
    if not absent:
        return None
    what = f"walmart-migrate {command}" if command in EXTRAS else "walmart-migrate"
    return (f"{what} needs the '{extra}' extra (missing: {', '.join(absent)}): "
            f"pip install '{DISTRIBUTION}[{extra}]'")


def _origin(name: str) -> Optional[Path]:
    try:
        spec = importlib.util.find_spec(name)  # finds without running the module
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or spec.origin in ("built-in", "frozen", "namespace"):
        return None
    return Path(spec.origin).resolve()


class _Installed(NamedTuple):
    """A file an installed RECORD lists: its path beside this file, and the hash pip wrote."""

    path: PurePosixPath
    hash: Optional[tuple[str, str]]  # algorithm, urlsafe base64 digest without padding


def _record_of(info: Path) -> Optional[list[_Installed]]:
    try:
        rows = list(csv.reader(info.joinpath("RECORD").read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    found = []
    for row in rows:
        if not row or not row[0]:
            continue
        mode, _, value = (row[1] if len(row) > 1 else "").partition("=")
        found.append(_Installed(PurePosixPath(row[0]), (mode, value) if value else None))
    return found


def _our_record() -> Optional[list[_Installed]]:
    """The files of the installed distribution this very file belongs to, as its RECORD lists
    them (None in a checkout). Read off the .dist-info folder beside this file, where pip
    puts it: importing importlib.metadata to find it cost every command a tenth of its
    start."""
    here = Path(__file__).resolve()
    for info in sorted(ROOT.glob("*.dist-info")):
        if info.name.partition("-")[0].lower().replace("_", "-") != DISTRIBUTION:
            continue
        # Only an installed RECORD lists what was installed: the .egg-info an editable
        # install leaves in a checkout lists its sources as they were then.
        files = _record_of(info)
        if files is not None and any(
                f.path.name == here.name and (ROOT / f.path).resolve() == here for f in files):
            return files
    return None


def _owners(name: str) -> list[str]:
    """Other installed distributions that put a top-level ``name`` in site-packages."""
    from importlib import metadata  # only when something is wrong: it is slow to import

    owners = set()
    for dist in metadata.distributions():
        owner = dist.metadata["Name"] or "?"
        if owner.lower().replace("_", "-") == DISTRIBUTION:
            continue
        top = (dist.read_text("top_level.txt") or "").split()
        if name in top or any(path.parts[:1] == (name,) for path in dist.files or ()):
            owners.add(owner)
    return sorted(owners)


@cache
def _written_over() -> Optional[tuple[str, Path]]:
    """The first of our modules whose bytes are no longer the ones we installed (read once)."""
    files = _our_record()
    if files is None:  # a checkout: nothing was installed to be written over
        return None
    for path, written in files:
        if path.parts[0] not in PACKAGES or path.suffix != ".py" or written is None:
            continue
        file = ROOT / path
        try:
            digest = hashlib.new(written[0], file.read_bytes()).digest()
        except (OSError, ValueError):  # gone, or a hash this Python does not know
            return path.parts[0], file
        if urlsafe_b64encode(digest).rstrip(b"=").decode() != written[1]:
            return path.parts[0], file
    return None


def sharing_packages() -> Optional[str]:
    """One line when another distribution's files sit in our package folders: pip wrote ours
    over its ``__init__.py``, so that project is what is broken now (ours is intact)."""
    files = _our_record()
    if files is None:
        return None
    ours = {path.parts[:2] for path, _ in files if len(path.parts) > 1}
    for name in PACKAGES:
        folder = ROOT / name
        extra = [entry.name for entry in folder.iterdir()
                 if entry.name != "__pycache__" and (name, entry.name) not in ours]
        if extra:
            others = " or ".join(_owners(name)) or "another distribution"
            return (f"warning: {others} also installs a top-level '{name}' package ({folder}); "
                    f"pip wrote walmart-migrate's over it, so {others} no longer works here; "
                    "give walmart-migrate a virtualenv of its own")
    return None


def problem_with_packages(names: tuple[str, ...] = PACKAGES) -> Optional[str]:
    """One line saying why ``import <name>`` would not reach walmart-migrate's code, or None."""
    for name in names:
        ours = (ROOT / name / "__init__.py").resolve()
        found = _origin(name)
        if found is None:
            return (f"walmart-migrate's '{name}' package is missing from {ROOT}: "
                    f"pip install --force-reinstall {DISTRIBUTION}")
        if found != ours:
            return (f"'import {name}' finds {found}, not walmart-migrate's package in {ROOT}: "
                    "rename that module, or keep its folder off the import path")
    changed = _written_over()
    if changed is None or changed[0] not in names:
        return None
    name, file = changed
    others = " or ".join(_owners(name)) or "another distribution"
    return (f"{file} is not walmart-migrate's: {others} also installs a top-level '{name}' "
            f"package and pip wrote over it; give walmart-migrate a virtualenv of its own "
            f"(e.g. pipx install '{DISTRIBUTION}[cli]')")


def _refuse(message: str) -> NoReturn:
    print(f"walmart-migrate: {message}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def main(argv: Optional[list[str]] = None) -> None:
    """Console entry point: check the extra and the package names, then run the command."""
    args = sys.argv[1:] if argv is None else argv
    _stand_in_for_closed_streams()
    # A foreign package first: installing an extra would not cure it.
    message = problem_with_packages() or missing_extra(args)
    if message is not None:
        _refuse(message)
    shared = sharing_packages()
    if shared is not None:
        print(f"walmart-migrate: {shared}", file=sys.stderr)
    from migrate.cli import main as run

    if argv is not None:  # called from Python, which goes on after the command
        run(args)
        return
    try:
        run(args)
    except SystemExit as done:
        _leave(done)


def _stand_in_for_closed_streams() -> None:
    """A process started with standard output or error closed (``2>&-``, some service
    managers) has None for the stream; what the command writes there is dropped, and its
    exit code stays the command's, not an internal error."""
    import os

    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 - for the whole process


def _leave(done: SystemExit) -> NoReturn:
    """End the process once the command is done, without freeing what it built: tearing
    down a run's trees, summaries and modules took a tenth of a cold run's time, and a
    seventh of a run answered from the cache. What a normal exit does first is done: other
    threads are waited for (none are left, or it is a normal exit), output is flushed, exit
    handlers run (coverage.py saves its data in one)."""
    import atexit
    import os
    import threading

    code = 0 if done.code is None else done.code
    if not isinstance(code, int) or threading.active_count() > 1 or not _flushed():
        raise done  # a closed pipe: Python's own exit says so, as ever
    atexit._run_exitfuncs()
    _flushed()  # what an exit handler wrote; to a closed pipe, lost as in a normal exit
    os._exit(code)


def _flushed() -> bool:
    """Flush standard output and error; False when one cannot be (a closed pipe). A stream
    the process was started without (``2>&-``) is os.devnull by now (``main``)."""
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except (OSError, ValueError):
        return False
    return True


if __name__ == "__main__":
    main()

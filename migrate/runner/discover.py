"""Which files a run looks at: the given paths, minus what git ignores (nested .gitignore
files and .git/info/exclude), minus virtualenvs, vendored and tool folders, minus the
project's and the command line's excludes, and never through a symlink out of the tree."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec

from migrate.runner.write import SUFFIX

__all__ = ["Discovered", "discover", "gitignore_spec"]

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "site-packages", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs", "_vendor", "vendored",
    ".walmart-migrate-cache",
})


@dataclass
class Discovered:
    files: list[tuple[Path, str]] = field(default_factory=list)  # (real path, display path)
    outside_links: list[str] = field(default_factory=list)  # symlinks that leave the tree
    loops: list[str] = field(default_factory=list)  # symlinks that never reach a file or folder
    leftovers: list[str] = field(default_factory=list)  # files of an apply that was killed
    missing: list[str] = field(default_factory=list)  # paths given that do not exist


def gitignore_spec(lines: Iterable[str]) -> pathspec.PathSpec[Any]:
    """Patterns matched the way git matches them. With Python's regular expressions: given
    the choice, pathspec matches with hyperscan when it is installed, whose backend encodes
    paths as strict UTF-8 and fails on a file name that is not UTF-8."""
    return pathspec.GitIgnoreSpec.from_lines(lines, backend="simple")


def _spec(lines: list[str]) -> pathspec.PathSpec[Any] | None:
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return gitignore_spec(lines) if lines else None


def _read_ignore(path: Path) -> pathspec.PathSpec[Any] | None:
    try:
        return _spec(path.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


class _Walker:
    def __init__(self, root: Path, display_base: Path, include: tuple[str, ...],
                 exclude: tuple[str, ...]) -> None:
        self.root = root
        self.display_base = display_base
        self.include = gitignore_spec(include or ("*.py",))
        self.exclude = _spec(list(exclude))
        # (directory, spec) pairs from the repo's .gitignore files, outermost first.
        self.ignores: list[tuple[Path, pathspec.PathSpec[Any]]] = []
        info = root / ".git" / "info" / "exclude"
        spec = _read_ignore(info) if info.is_file() else None
        if spec:
            self.ignores.append((root, spec))
        self.seen: set[Path] = set()
        self.ignore_dirs: set[Path] = set()
        self.result = Discovered()

    def load_ignore(self, directory: Path) -> None:
        if directory in self.ignore_dirs:
            return
        self.ignore_dirs.add(directory)
        ignore_file = directory / ".gitignore"
        spec = _read_ignore(ignore_file) if ignore_file.is_file() else None
        if spec:
            self.ignores.append((directory, spec))

    def _rel(self, path: Path, base: Path) -> str:
        return path.relative_to(base).as_posix()

    def ignored(self, path: Path, is_dir: bool) -> bool:
        for base, spec in self.ignores:
            if base == path or base not in path.parents:
                continue
            rel = self._rel(path, base) + ("/" if is_dir else "")
            if spec.match_file(rel):
                return True
        rel_root = self._rel(path, self.root) + ("/" if is_dir else "")
        return bool(self.exclude and self.exclude.match_file(rel_root))

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.display_base).as_posix()
        except ValueError:
            return str(path)

    def resolve_link(self, path: Path) -> Path | None:
        """Where a symlink leads; None (and a warning) for a loop."""
        try:
            return path.resolve(strict=True)
        except FileNotFoundError:
            return path.resolve()  # a dangling link: nothing there to read, is_file says
        except (RuntimeError, OSError):  # RuntimeError: Python before 3.13 on a loop
            self.result.loops.append(self.display(path))
            return None

    def add_file(self, path: Path, explicit: bool) -> None:
        if path.is_symlink():
            real = self.resolve_link(path)
            if real is None:
                return
            if self.root != real and self.root not in real.parents:
                self.result.outside_links.append(self.display(path))
                return
            path = real
        if not explicit and not self.include.match_file(self._rel(path, self.root)):
            return
        if path.is_file():
            self._take(path, self.display(path))

    def _take(self, path: Path, display: str) -> None:
        """A file of the run, once however many ways lead to it."""
        if path not in self.seen:
            self.seen.add(path)
            self.result.files.append((path, display))

    def walk(self, top: Path) -> None:
        for current, dirs, files in os.walk(top):
            here = Path(current)
            self.load_ignore(here)
            kept = []
            for name in sorted(dirs):
                child = here / name
                if name in SKIP_DIRS or (child / "pyvenv.cfg").exists():
                    continue
                if child.is_symlink():
                    real = self.resolve_link(child)
                    if real is not None and self.root != real and self.root not in real.parents:
                        self.result.outside_links.append(self.display(child))
                    continue  # inside the tree, the target is walked on its own
                if not self.ignored(child, is_dir=True):
                    kept.append(name)
            dirs[:] = kept
            # The ignore rules that apply here, each with this folder's path relative to it:
            # a file's test is then a string join, not a path computation per rule.
            rules = [(spec, prefix) for base, spec in self.ignores
                     for prefix in [_relative(current, str(base))] if prefix is not None]
            from_root = _relative(current, str(self.root))
            shown = _relative(current, str(self.display_base))
            for name in sorted(files):
                # Temporary files and backups of apply's transaction: a run killed with
                # SIGKILL cannot remove them.
                if name.startswith(".") and name.endswith(SUFFIX):
                    self.result.leftovers.append(self.display(here / name))
                    continue
                if any(spec.match_file(prefix + name) for spec, prefix in rules) or \
                        (from_root is not None and self.exclude is not None and
                         self.exclude.match_file(from_root + name)):
                    continue
                self._add_walked(here, current, name, from_root, shown)

    def _add_walked(self, here: Path, current: str, name: str, from_root: str | None,
                    shown: str | None) -> None:
        """A file met by the walk: a regular file is taken on one ``lstat``; a symlink goes
        the long way, through ``add_file``."""
        full = os.path.join(current, name)
        try:
            mode = os.lstat(full).st_mode
        except OSError:
            return
        if stat.S_ISLNK(mode) or from_root is None:
            self.add_file(here / name, explicit=False)
            return
        if not stat.S_ISREG(mode) or not self.include.match_file(from_root + name):
            return
        path = here / name
        self._take(path, self.display(path) if shown is None else shown + name)


def _relative(folder: str, base: str) -> str | None:
    """``folder`` relative to ``base`` as a prefix for names in it ("" for ``base`` itself,
    "a/b/" below it), None when it is not inside ``base``."""
    if folder == base:
        return ""
    if folder.startswith(base.rstrip(os.sep) + os.sep):
        return folder[len(base.rstrip(os.sep)) + 1:].replace(os.sep, "/") + "/"
    return None


def _excluded(walker: _Walker, path: Path) -> bool:
    """A path named on the command line that the excludes cover, itself or a folder above
    it: what ``--force-exclude`` leaves out (pre-commit names every staged file)."""
    path = path.parent.resolve() / path.name  # the root is resolved: compare like with like
    if walker.exclude is None or (walker.root != path and walker.root not in path.parents):
        return False
    folders = [p for p in path.parents if walker.root in p.parents]
    return any(walker.ignored(p, is_dir=True) for p in folders) or \
        walker.ignored(path, is_dir=path.is_dir())


def discover(paths: list[Path], root: Path, display_base: Path, include: tuple[str, ...] = (),
             exclude: tuple[str, ...] = (), force_exclude: bool = False) -> Discovered:
    """``root`` is the repository (where .gitignore rules and patterns are anchored);
    ``display_base`` is what report and diff paths are relative to. Paths given are taken
    even when excluded, unless ``force_exclude``."""
    walker = _Walker(root.resolve(), display_base.resolve(), include, exclude)
    for given in paths:
        absolute = Path(os.path.abspath(given))
        if not absolute.exists() and not absolute.is_symlink():
            walker.result.missing.append(str(given))
            continue
        if force_exclude and _excluded(walker, absolute):
            continue
        # Rules in .gitignore files above a given sub-folder still apply to it.
        for parent in reversed(absolute.parents):
            if parent == walker.root or walker.root in parent.parents:
                walker.load_ignore(parent)
        if absolute.is_dir() and not absolute.is_symlink():
            walker.walk(absolute)
        else:
            walker.add_file(absolute, explicit=True)
    return walker.result

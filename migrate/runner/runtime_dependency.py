"""After ``apply`` the seller's code imports ``shim``, which walmart-migrate installs: the
seller's project must say so, or the next deployment fails with ``ModuleNotFoundError``.

The dependency is declared in the one manifest that clearly lists the project's runtime
requirements, as a changed file of the same run (so ``--diff`` shows it, ``--check`` counts
it and a roll-back covers it). When no manifest is clear - none, several, or one computed at
install time - the summary says what to add. Also: a repository with its own top-level
``shim`` would shadow the runtime, so ``import shim`` is never written into one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from migrate import __version__
from migrate.runner.manifests import Manifest, find_manifests
from migrate.runner.results import FileResult, RunResult

__all__ = ["DISTRIBUTION", "Declared", "ShadowedRuntime", "declare_runtime", "gains_shim",
           "shadowing_shim"]

DISTRIBUTION = "walmart-migrate"
REQUIREMENT = f"{DISTRIBUTION}>={__version__}"


class Declared(NamedTuple):
    record: FileResult | None  # the manifest's edit, a changed file of the run
    note: str | None  # what the seller has to do by hand, when no manifest is clear


def gains_shim(result: RunResult) -> list[FileResult]:
    """The changed files that import ``shim`` after the rewrite and did not before."""
    return [r for r in result.changed if not r.deleted and r.gains_shim]


def shadowing_shim(root: Path, gaining: list[Path]) -> Path | None:
    """A ``shim`` module or package of the repository's own that ``import shim`` would find
    first: at the top of the repository, in ``src/``, or beside a file that imports it (a
    script's folder leads ``sys.path``)."""
    folders = {root, root / "src", *(path.parent for path in gaining)}
    for folder in sorted(folders):
        for candidate in (folder / "shim.py", folder / "shim"):
            if candidate.is_file() or (candidate.is_dir() and any(candidate.glob("*.py"))):
                return candidate
    return None


def _record(manifest: Manifest, base: Path) -> FileResult | None:
    new = manifest.with_requirement(DISTRIBUTION, REQUIREMENT)
    if new is None or new == manifest.original:
        return None
    display = Path(os.path.relpath(manifest.path, base)).as_posix()
    return FileResult(display, "changed",
                      reason=f"declares {REQUIREMENT}, which provides the shim the migrated code imports",
                      original=manifest.original, new=new, manifest=True)


class ShadowedRuntime(Exception):
    """The repository's own shim would be imported in place of the runtime."""


def declare_runtime(result: RunResult, root: Path, base: Path) -> Declared:
    """The manifest edit, or the note for the summary; nothing when no file gains
    ``import shim`` or the project already depends on walmart-migrate. Raises
    ``ShadowedRuntime`` when the repository has a shim of its own in the way."""
    gaining = gains_shim(result)
    if not gaining:
        return Declared(None, None)
    shadow = shadowing_shim(root, [base / r.path for r in gaining])
    if shadow is not None:
        raise ShadowedRuntime(
            f"{os.path.relpath(shadow, base)}: the repository has its own top-level shim, "
            "which 'import shim' in the rewritten code would import instead of "
            "walmart-migrate's runtime; rename it (and its imports), then run again; nothing "
            "was written")
    found = find_manifests(root)
    if any(m.declares(DISTRIBUTION) for m in found.manifests):
        return Declared(None, None)
    what = (f"the rewritten code imports shim: add {REQUIREMENT} to your project's "
            f"dependencies (the package is {DISTRIBUTION}; 'pip install shim' installs an "
            "unrelated package)")
    editable = [m for m in found.manifests if m.editable]
    if found.unclear:
        return Declared(None, f"{what}; {found.unclear}")
    if len(found.manifests) > 1:
        names = ", ".join(sorted(m.display(root) for m in found.manifests))
        return Declared(None, f"{what}; it was not added because several files list "
                              f"dependencies ({names})")
    if not editable:
        return Declared(None, f"{what}; no requirements file, pyproject.toml, setup.py, "
                              f"setup.cfg or Pipfile lists them in {root}")
    record = _record(editable[0], base)
    if record is None:
        return Declared(None, f"{what}; {editable[0].display(root)} could not be edited safely")
    return Declared(record, None)

"""A checkout installed with ``pip install -e .`` carries a ``walmart_migrate.egg-info`` that
lists the sources as they were at install time: after a ``git pull`` adds a module, the
command line must not take the new module for another distribution's file. Only an installed
RECORD says what was installed."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _checkout_copy(folder: Path) -> ModuleType:
    """The entry script loaded from a copy of the checkout's top level, beside its packages."""
    shutil.copy(ROOT / "walmart_migrate_entry.py", folder / "walmart_migrate_entry.py")
    for package in ("migrate", "codemods", "shim"):
        (folder / package).mkdir()
        (folder / package / "__init__.py").write_text("")
    spec = importlib.util.spec_from_file_location("entry_in_checkout",
                                                  folder / "walmart_migrate_entry.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_stale_egg_info_in_a_checkout_is_not_an_install_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _checkout_copy(tmp_path)
    egg = tmp_path / "walmart_migrate.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: walmart-migrate\nVersion: 0.1.0\n")
    (egg / "SOURCES.txt").write_text("walmart_migrate_entry.py\nmigrate/__init__.py\n"
                                     "codemods/__init__.py\nshim/__init__.py\n")
    (tmp_path / "codemods" / "added_after_install.py").write_text("")  # a later git pull
    monkeypatch.syspath_prepend(str(tmp_path))
    assert entry._our_record() is None
    assert entry.sharing_packages() is None
    # An installed RECORD listing the same files is one: the new module is then not ours.
    info = tmp_path / "walmart_migrate-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: walmart-migrate\nVersion: 0.1.0\n")
    (info / "RECORD").write_text("".join(f"{name},,\n" for name in (
        "walmart_migrate_entry.py", "migrate/__init__.py", "codemods/__init__.py",
        "shim/__init__.py")))
    shutil.rmtree(egg)
    assert entry._our_record() is not None
    warning = entry.sharing_packages()
    assert warning is not None and "top-level 'codemods' package" in warning
    assert sys.modules.get("entry_in_checkout") is None  # loaded aside, never registered

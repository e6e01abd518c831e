"""A seller's own test suite run by pytester in this process, with the plugin loaded from its
entry point as in a subprocess, a second or so sooner per run.

pytester forgets the modules imported during a test when it ends. What the plugin and the
seller's suites use is imported here, when a test module imports this one (at collection),
so that it stays: cryptography's compiled core binds its Python classes once per process and
refuses the ones a second import makes, and the shim keeps the submodules it loads on first
use (a second copy would hold a second token cache)."""

from __future__ import annotations

import importlib

import pytest

import shim

__all__ = ["run_in_process"]

for _name in ("migrate.emulator", "migrate.emulator.tls", "migrate.verify.recording",
              "migrate.verify.routing", "migrate.verify.scrub", "shim._legacy", "requests",
              "httpx", "vcr", "yaml"):
    importlib.import_module(_name)
for _name in shim.__all__:
    getattr(shim, _name)


def run_in_process(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(*args, "-p", "no:cacheprovider")

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from migrate.emulator import ClientConfig
from tests.codemods.fixture_cases import CLIENT_ID, CLIENT_SECRET, CONSUMER_ID, Case, migrate_copy, tree
from tests.keys import KeyPair

SUPPORT = Path(__file__).resolve().parents[1] / "support"


@pytest.fixture(scope="session")
def signature_jar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for Walmart's DigitalSignatureUtil jar, built from source for this run: same
    arguments, same output lines, real SHA256withRSA."""
    if shutil.which("javac") is None or shutil.which("jar") is None:
        pytest.skip("no JDK on this machine to build the signature jar")
    build = tmp_path_factory.mktemp("jar")
    subprocess.run(["javac", "-d", str(build), str(SUPPORT / "DigitalSignatureUtil.java")],
                   check=True, capture_output=True, timeout=300)
    jar = build / "DigitalSignatureUtil-1.0.0.jar"
    subprocess.run(["jar", "--create", "--file", str(jar), "--main-class", "DigitalSignatureUtil",
                    "-C", str(build), "DigitalSignatureUtil.class"], check=True, capture_output=True,
                   timeout=300)
    return jar


@pytest.fixture
def seller(seller_key: KeyPair) -> ClientConfig:
    """The fixture clients' seller; the suite's ``server`` fixture serves it."""
    return ClientConfig(name="seller", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                        consumer_id=CONSUMER_ID, public_key=seller_key.public_pem)


@dataclass(frozen=True)
class Migrated:
    """A fixture case's before/ tree committed to git and migrated in place, once per test
    worker: the runner is a function of the files, and several tests read the same outcome."""

    path: Path  # shared: copy it (``copy_to``) before running or changing anything in it
    result: Any  # migrate.runner.results.RunResult
    files: dict[str, bytes]  # the seller's files as the migration left them

    def copy_to(self, destination: Path) -> Path:
        shutil.copytree(self.path, destination, symlinks=True)
        return destination


Migrate = Callable[[Case], Migrated]


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Migrate:
    done: dict[str, Migrated] = {}

    def migrate(case: Case) -> Migrated:
        if case.name not in done:
            work = tmp_path_factory.mktemp(case.name) / "repo"
            result = migrate_copy(case, work)
            done[case.name] = Migrated(work, result, tree(work))
        return done[case.name]

    return migrate

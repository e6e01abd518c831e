from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from migrate.emulator import ClientConfig
from tests.codemods.fixture_cases import CLIENT_ID, CLIENT_SECRET, CONSUMER_ID
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

"""A seller's first hour, from the wheel: built here, installed into fresh virtualenvs (no
extras, ``[verify]``, ``[cli]``, ``[demo]``) from PyPI, and run the way a seller runs it.

Each virtualenv serves one test, so the module builds each once wherever it runs; downloads are
cached in a folder under the system's temporary directory that outlives the run.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "migrate" / "sample-seller" / "tests" / "cassettes"
PIP_CACHE = Path(tempfile.gettempdir()) / "walmart-migrate-test-pip-cache"

pytestmark = [pytest.mark.install, pytest.mark.timeout(900)]

def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WALMART_", "PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))}
    env["PIP_CACHE_DIR"] = str(PIP_CACHE)
    return env


def _pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, env=_env(), timeout=800)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]


def _source_tree(folder: Path) -> Path:
    """The checkout's files as git sees them (committed or not, never ignored): a build in
    the checkout itself would pick up a stale build/ folder or a cache left in package data."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source, copy = ROOT / name, folder / name
        if not source.is_symlink() and not source.is_file():
            continue  # deleted in the working tree
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            copy.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, copy)
    return folder


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    source = _source_tree(tmp_path_factory.mktemp("source"))
    _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(folder), str(source))
    (built,) = folder.glob("walmart_migrate-*.whl")
    return built


@dataclass
class Venv:
    """A fresh virtualenv with the wheel installed."""

    home: Path

    def install(self, *requirements: str) -> None:
        # Not byte-compiled at install (a third of an install's time): what the tests run is
        # compiled as it is imported, as a seller's first command would be after
        # ``pip install --no-compile``; pip never fails an install on what it cannot compile.
        _pip("--python", str(self.home / "bin" / "python"), "install", "--quiet", "--no-compile",
             *requirements)

    def run(self, program: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``program`` from the virtualenv's bin folder, as a seller would type it."""
        return subprocess.run([str(self.home / "bin" / program), *args], cwd=cwd or self.home,
                              capture_output=True, text=True, env=_env(), timeout=600)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Callable[..., Venv]:
    """Makes a fresh virtualenv with the wheel and these extras (and more requirements)."""

    def make(extras: str, *more: str) -> Venv:
        made = Venv(tmp_path_factory.mktemp(f"venv-{extras or 'bare'}"))
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(made.home)],
                       check=True, timeout=120)
        made.install(f"{wheel}[{extras}]" if extras else str(wheel), *more)
        return made

    return make


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def _foreign_wheel(folder: Path) -> Path:
    """A distribution that also installs a top-level ``migrate`` package, as
    sqlalchemy-migrate does; its module writes a file if anything runs it."""
    files = {"migrate/__init__.py": b"open('ran.txt', 'w').write('foreign migrate ran')\n",
             "migrate/versioning.py": b"",
             "other_migrate-1.0.dist-info/METADATA":
                 b"Metadata-Version: 2.1\nName: other-migrate\nVersion: 1.0\n",
             "other_migrate-1.0.dist-info/WHEEL":
                 b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    def digest(data: bytes) -> str:
        return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

    record = [f"{name},sha256={digest(data)},{len(data)}" for name, data in files.items()]
    path = folder / "other_migrate-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("other_migrate-1.0.dist-info/RECORD",
                         "\n".join([*record, "other_migrate-1.0.dist-info/RECORD,,"]) + "\n")
    return path


def test_the_wheel_carries_license_urls_and_classifiers(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(archive.read(info).decode())
        license_file = next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))
        license_text = archive.read(license_file).decode()
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["License-File"] == "LICENSE"
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert license_text == (ROOT / "LICENSE").read_text()
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or ())
    assert set(urls) == {"Homepage", "Documentation", "Issues", "Source"}
    assert all(u.startswith("https://github.com/walmart-migrate/walmart-migrate") for u in urls.values())
    classifiers = meta.get_all("Classifier") or []
    assert [f"Programming Language :: Python :: 3.{minor}" for minor in range(9, 14)] == \
        [c for c in classifiers if c.startswith("Programming Language :: Python :: 3.")]
    assert not [c for c in classifiers if c.startswith("License ::")]  # PEP 639: the expression only
    # Every extra the README tells a seller to install exists.
    shown = set(re.findall(r"pip install 'walmart-migrate\[(\w+)\]'", (ROOT / "README.md").read_text()))
    assert {"cli", "verify", "demo"} <= shown <= set(meta.get_all("Provides-Extra") or ())
    assert "migrate/sample-seller/tests/conftest.py" in names
    assert not [n for n in names if "__pycache__" in n]


def test_without_extras_each_command_names_its_extra(venv: Callable[..., Venv], wheel: Path,
                                                     tmp_path: Path) -> None:
    env = venv("", "pytest>=8")
    assert "needs the 'cli' extra" in _one_line(env.run("walmart-migrate", "scan", "."))
    assert _one_line(env.run("walmart-migrate", "--help")).endswith("pip install 'walmart-migrate[cli]'")
    line = _one_line(env.run("walmart-migrate", "verify", str(CASSETTES)))
    assert line.startswith("walmart-migrate: walmart-migrate verify needs the 'verify' extra")
    assert line.endswith("pip install 'walmart-migrate[verify]'")
    assert "'demo' extra" in _one_line(env.run("python", "-m", "migrate", "demo"))
    assert "(missing: click, cryptography)" in _one_line(env.run("walmart-migrate", "doctor"))
    assert env.run("python", "-c", "import shim").returncode == 0  # what sellers import: httpx only
    # The secrets pre-commit hook installs the bare package with click and PyYAML: enough.
    env.install("click", "pyyaml")
    secrets = env.run("walmart-migrate", "verify", "--only", "no-secrets", str(CASSETTES))
    assert secrets.returncode == 0, secrets.stdout + secrets.stderr
    assert "0 violation(s): ok" in secrets.stdout

    # --walmart-replay without the verify extra: tests that do not use VCR.py run as ever, a
    # test that asks to be replayed is told which extra to install.
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    (tmp_path / "test_replayed.py").write_text(
        "import pytest\n\n@pytest.mark.walmart_replay\ndef test_replayed():\n    pass\n")
    done = env.run("python", "-m", "pytest", "-p", "no:cacheprovider", "--walmart-replay", "-rA",
                   cwd=tmp_path)
    assert "1 passed" in done.stdout and "1 error" in done.stdout, done.stdout + done.stderr
    assert "PASSED test_plain.py::test_plain" in done.stdout
    assert "--walmart-replay needs vcr, pytest_recording, cryptography: " \
           "pip install 'walmart-migrate[verify]'" in done.stdout
    assert "walmart-migrate[legacy]" not in done.stdout
    assert done.stdout.count("pytest-recording is not installed: "
                             "pip install 'walmart-migrate[verify]'") == 1

    # Another distribution's `migrate` written over ours: one line naming it, nothing run.
    env.install(str(_foreign_wheel(tmp_path)))
    line = _one_line(env.run("walmart-migrate", "scan", ".", cwd=tmp_path))
    assert "other-migrate also installs a top-level 'migrate' package" in line
    assert "virtualenv of its own" in line
    assert not (tmp_path / "ran.txt").exists()
    plain = env.run("python", "-m", "pytest", "-p", "no:cacheprovider", "test_plain.py", cwd=tmp_path)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert not (tmp_path / "ran.txt").exists()

    # Ours written back over theirs: the command runs, and says the other project is broken.
    env.install("--force-reinstall", "--no-deps", str(wheel))
    shared = env.run("walmart-migrate", "verify", "--only", "no-secrets", str(CASSETTES))
    assert shared.returncode == 0, shared.stdout + shared.stderr
    assert shared.stderr.startswith("walmart-migrate: warning: other-migrate also installs a "
                                    "top-level 'migrate' package (")
    assert "so other-migrate no longer works here" in shared.stderr
    assert shared.stderr.count("\n") == 1


def test_verify_runs_with_the_verify_extra_alone(venv: Callable[..., Venv]) -> None:
    env = venv("verify")
    done = env.run("walmart-migrate", "verify", str(CASSETTES))
    # The legacy cassettes break the rules: the verifier ran and said so.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[no-legacy-headers]" in done.stdout and "violation(s): FAILED" in done.stdout
    assert "Traceback" not in done.stderr
    assert "needs the 'cli' extra" in _one_line(env.run("walmart-migrate", "apply", "--check", "."))


def test_the_cli_extra_scans(venv: Callable[..., Venv], tmp_path: Path) -> None:
    env = venv("cli")
    seller = tmp_path / "seller"
    seller.mkdir()
    (seller / "client.py").write_text((ROOT / "migrate" / "sample-seller" / "seller" / "walmart"
                                       / "client.py").read_text())
    done = env.run("walmart-migrate", "scan", "--no-cache", ".", cwd=seller)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "marketplace-signature" in done.stdout
    listed = env.run("walmart-migrate", "list")
    assert listed.returncode == 0 and "Verifier rules:" in listed.stdout, listed.stderr
    line = _one_line(env.run("walmart-migrate", "demo", cwd=seller))
    assert line.startswith("walmart-migrate: walmart-migrate demo needs the 'demo' extra (missing: vcr")


def test_the_demo_runs_from_the_installed_wheel(venv: Callable[..., Venv], tmp_path: Path) -> None:
    env = venv("demo")
    kept = tmp_path / "kept"
    done = env.run("walmart-migrate", "demo", "--keep", str(kept), cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "verdict: migrated and verified" in done.stdout
    assert "site-packages" in env.run("python", "-c", "import migrate.demo as d; print(d.SAMPLE)").stdout
    again = _one_line(env.run("walmart-migrate", "demo", "--keep", str(kept), cwd=tmp_path))
    assert again == (f"walmart-migrate demo: --keep {kept} already exists and is not empty "
                     "(a previous demo?); remove it or name a new folder")

"""Published packages as sellers would have them: fetched once from the package index by pip,
kept in a cache outside the checkout, unpacked and committed to a fresh git repository."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from migrate.runner.cache import FOLDER as CACHE_FOLDER
from tests.runner.conftest import Repo

# How long pip may take to fetch one archive (and, for an sdist, the build backend it needs to
# read the metadata); each test also has to scan or apply within the suite's 120 s.
DOWNLOAD_TIMEOUT = 75
# pip's words for "the index did not answer", as opposed to "the index said no".
UNREACHABLE = ("NewConnectionError", "Failed to establish a new connection", "ConnectTimeoutError",
               "ReadTimeoutError", "Max retries exceeded", "Temporary failure in name resolution",
               "Name or service not known", "Network is unreachable", "No route to host",
               "Connection refused", "ProxyError")


@dataclass(frozen=True)
class Published:
    """One pinned release, and which of its archives the corpus uses."""

    name: str
    version: str
    kind: str  # "sdist" or "wheel"
    sha256: str  # of that archive, checked by pip before it builds or saves anything

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def slug(self) -> str:
        return f"{self.name}-{self.version}"


def cache_root() -> Path:
    """Where archives are kept between runs: never inside the repository checkout."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "walmart-migrate" / "corpus"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cached(folder: Path, package: Published) -> Path | None:
    """The archive in `folder` if it is there, alone and with the pinned hash."""
    if not folder.is_dir():
        return None
    files = [p for p in folder.iterdir() if p.is_file()]
    if len(files) == 1 and _sha256(files[0]) == package.sha256:
        return files[0]
    return None


def _download(package: Published, destination: Path) -> None:
    """pip download of the one archive into `destination`; skips the test when the index cannot
    be reached, fails it when the index answers but pip still cannot fetch the pin."""
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(f"{package.pin} --hash=sha256:{package.sha256}\n")
        # --no-binary NAME rather than :all:, so that the build backend pip installs to read an
        # sdist's metadata may itself come as a wheel (wiopy's uv_build cannot be built here).
        choice = ["--no-binary", package.name] if package.kind == "sdist" else ["--only-binary", ":all:"]
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes",
                   *choice, "--dest", str(destination), "--requirement", str(requirements)]
        # Short timeouts and one retry (pip says what went wrong only when it retries); the
        # environment reaches the pip that installs an sdist's build backend too.
        env = {**os.environ, "PIP_DEFAULT_TIMEOUT": "20", "PIP_RETRIES": "1", "PIP_NO_INPUT": "1",
               "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        try:
            done = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True,
                                  timeout=DOWNLOAD_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.skip(f"{package.pin}: the package index did not answer within {DOWNLOAD_TIMEOUT} s")
    if done.returncode != 0:
        output = done.stdout + done.stderr
        marker = next((m for m in UNREACHABLE if m in output), None)
        if marker is not None:
            pytest.skip(f"{package.pin}: the package index cannot be reached ({marker})")
        pytest.fail(f"pip download {package.pin} ({package.kind}) failed:\n{output[-3000:]}",
                    pytrace=False)


def fetch(package: Published) -> Path:
    """The pinned archive, from the cache or downloaded into it.

    pip downloads into a staging folder beside the final one, which is renamed into place only
    once it holds the archive with the pinned hash: an interrupted run leaves at most a staging
    folder that nothing reads, never a half archive under the final name. Parallel workers may
    both download; the first rename wins and the other uses it."""
    folder = cache_root() / package.slug
    archive = _cached(folder, package)
    if archive is not None:
        return archive
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{package.slug}.", suffix=".partial", dir=folder.parent))
    try:
        _download(package, staging)
        assert _cached(staging, package) is not None, sorted(p.name for p in staging.iterdir())
        if folder.exists() and _cached(folder, package) is None:
            shutil.rmtree(folder)  # a folder from an older layout or a damaged cache
        try:
            staging.rename(folder)
        except OSError:
            if _cached(folder, package) is None:  # not a parallel worker's finished download
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    archive = _cached(folder, package)
    assert archive is not None, folder
    return archive


def _members(archive: Path) -> Iterator[tuple[PurePosixPath, bytes]]:
    """Regular files of a tar.gz/zip sdist or a wheel, by relative path."""
    if archive.name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as bundle:
            for info in bundle.infolist():
                if not info.is_dir():
                    yield PurePosixPath(info.filename), bundle.read(info)
    else:
        with tarfile.open(archive) as bundle:
            for member in bundle.getmembers():
                extracted = bundle.extractfile(member) if member.isfile() else None
                if extracted is not None:
                    yield PurePosixPath(member.name), extracted.read()


def unpack(package: Published, archive: Path, destination: Path) -> Path:
    """The archive's files under `destination`; returns the project root (an sdist's single
    top folder, or `destination` itself for a wheel)."""
    for name, data in _members(archive):
        if name.is_absolute() or ".." in name.parts:
            raise AssertionError(f"{archive.name}: unsafe member {name}")
        target = destination.joinpath(*name.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if package.kind == "sdist":
        (top,) = destination.iterdir()
        return top
    return destination


def checkout(package: Published, folder: Path) -> Repo:
    """The package's files committed to a fresh git repository under `folder`."""
    root = unpack(package, fetch(package), folder / "archive")
    repo = Repo(root)
    repo.commit(package.slug)
    return repo


def tree(root: Path) -> dict[str, bytes]:
    """Every file's bytes, except git's and the tool's own result cache."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and not {".git", CACHE_FOLDER} & set(p.relative_to(root).parts)}


@dataclass
class Scan:
    root: Path
    report: dict[str, Any]

    def findings(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for entry in self.report["files"]:
            for finding in entry["findings"]:
                yield entry["path"], finding

    def findings_in(self, path: str) -> list[dict[str, Any]]:
        return [finding for where, finding in self.findings() if where == path]

    def status(self, path: str) -> str:
        entry = next((e for e in self.report["files"] if e["path"] == path), None)
        return "not in the report" if entry is None else f"{entry['status']} {entry['reason'] or ''}".strip()


_SCANS: dict[str, Scan] = {}


@pytest.fixture
def scanned(package: Published, tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """`walmart-migrate scan --format json .` over the package's repository, once per worker."""
    if package.slug not in _SCANS:
        repo = checkout(package, tmp_path_factory.mktemp(package.slug))
        done = repo.run("scan", "--format", "json", ".", toys=False)
        assert done.code in (0, 1), f"scan exited {done.code}:\n{done.err}"
        _SCANS[package.slug] = Scan(repo.path, json.loads(done.out))
    return _SCANS[package.slug]

"""The fixture repositories under fixtures/codemods: each a seller tree before and after."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from migrate.runner.cache import FOLDER as CACHE_FOLDER
from migrate.runner.run import RunRequest, run

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "codemods"

# The seller the fixture clients run as, against the emulator.
CONSUMER_ID = "5f0c2a3e-8b1d-4c6e-9f7a-2d4b6c8e0a1f"
CLIENT_ID = "9a8b7c6d-client-id"
# As long as the portal's secrets (over 64 characters): code that wraps the old key at 64
# columns must not be left wrapping the secret.
CLIENT_SECRET = ("AQpT0k3nS3cr3t-from-the-developer-portal-"
                 "Xy7Qm2Lr9Vt4Ws8Kd1Hf6Jb3Nc5Pg0Zq2Ae7Ru4Ty9Ui1Op")


@dataclass
class Case:
    name: str
    path: Path
    description: str
    codemods: list[str]
    target: str = "oauth"
    expect_run: Any = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    key_format: str = "pkcs8-base64"
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def before(self) -> Path:
        return self.path / "before"

    @property
    def after(self) -> Path:
        return self.path / "after"


def load_cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in FIXTURES.iterdir() if (p / "case.toml").is_file()):
        data = tomllib.loads((folder / "case.toml").read_text())
        cases.append(Case(name=folder.name, path=folder, **data))
    return cases


def tree(root: Path) -> dict[str, bytes]:
    """The seller's files: not git's, Python's bytecode or the run's own result cache."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and not {"__pycache__", ".git", CACHE_FOLDER} & set(p.parts)}


def migrate_copy(case: Case, destination: Path) -> Any:
    """The before/ tree committed to a fresh git repository, then migrated in place."""
    shutil.copytree(case.before, destination, ignore=shutil.ignore_patterns("__pycache__"))
    for command in (["init", "-q"], ["add", "-A"],
                    ["-c", "user.email=seller@example.com", "-c", "user.name=Seller", "commit",
                     "-q", "-m", "before"]):
        subprocess.run(["git", "-C", str(destination), *command], check=True, capture_output=True)
    return run(RunRequest(paths=(destination,), write=True, jobs=1, target=case.target)).result


CASES = load_cases()

"""One variant checked end to end: it runs in legacy mode against the emulator (a variant
that does not is a generator bug), it is committed to a fresh git repository and migrated by
the real runner, and the migrated program runs in OAuth mode. The outcome says how the tool
did - ``migrated``, ``manual``, ``missed`` or ``broken`` - and counts any harm it did;
look-alike variants must come out byte-identical, with no Marketplace finding."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from migrate.runner.run import RunRequest, run
from tests.codemods.fixture_cases import CLIENT_ID, CLIENT_SECRET, CONSUMER_ID
from tests.keys import KeyPair, new_key
from tests.metamorphic.generator import Variant, base_variant, bases
from tests.metamorphic.scan import harms, unreported

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"
LEGACY = ("WM_SEC.AUTH_SIGNATURE", "WM_SEC.TIMESTAMP", "WM_CONSUMER.ID")
STATUSES = ("migrated", "manual", "missed", "broken")


@dataclass
class Outcome:
    variant: str
    refactorings: tuple[str, ...]
    lookalike: bool
    valid: bool  # the variant ran in legacy mode as its fixture does
    status: str  # migrated | manual | missed | broken; untouched | harmed (look-alikes); invalid; skipped
    reasons: list[str] = field(default_factory=list)
    harms: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    causes: list[str] = field(default_factory=list)  # what the tool said (or what failed), per cause

    def __str__(self) -> str:
        extra = "; ".join(self.reasons[:4])
        return f"{self.variant}: {self.status}{' - ' + extra if extra else ''}"


def build_jar(folder: Path) -> Path | None:
    """The DigitalSignatureUtil stand-in built from source, or None without a JDK."""
    if shutil.which("javac") is None or shutil.which("jar") is None:
        return None
    subprocess.run(["javac", "-d", str(folder), str(SUPPORT / "DigitalSignatureUtil.java")],
                   check=True, capture_output=True, timeout=300)
    jar = folder / "DigitalSignatureUtil-1.0.0.jar"
    subprocess.run(["jar", "--create", "--file", str(jar), "--main-class", "DigitalSignatureUtil",
                    "-C", str(folder), "DigitalSignatureUtil.class"], check=True,
                   capture_output=True, timeout=300)
    return jar


def key_text(key: KeyPair, key_format: str) -> str:
    if key_format == "pkcs1-pem":
        return key.private.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.TraditionalOpenSSL,
                                         serialization.NoEncryption()).decode()
    return key.bare_base64


def uses_jar(variant: Variant) -> bool:
    return any("DigitalSignatureUtil" in s for s in variant.files.values())


class Driver:
    """The long-lived process that runs seller programs (see ``tests.metamorphic.driver``)."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        self._process = subprocess.Popen([sys.executable, "-m", "tests.metamorphic.driver"],
                                         cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True, bufsize=1)
        assert json.loads(self._read()) == {"ready": True}

    def _read(self) -> str:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the run driver exited; see its stderr")
        return line

    def run(self, folder: Path, env: dict[str, str], deterministic: bool = False,
            timeout: float = 60) -> dict[str, Any]:
        assert self._process.stdin is not None
        job = {"folder": str(folder), "env": env, "deterministic": deterministic, "timeout": timeout}
        self._process.stdin.write(json.dumps(job) + "\n")
        answer: dict[str, Any] = json.loads(self._read())
        return answer

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)


def _git_commit(folder: Path) -> None:
    for command in (["init", "-q"], ["add", "-A"],
                    ["-c", "user.email=seller@example.com", "-c", "user.name=Seller", "commit",
                     "-q", "-m", "before"]):
        subprocess.run(["git", "-C", str(folder), *command], check=True, capture_output=True)


def _files_on_disk(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not {".git", "__pycache__", ".walmart-migrate-cache"} & set(
                p.relative_to(folder).parts)}


def _last_line(error: str) -> str:
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


class Checker:
    """Checks variants against one emulator server and one run driver; a context manager."""

    def __init__(self, jar: Path | None = None, workdir: Path | None = None) -> None:
        self.key = new_key()
        seller = ClientConfig(name="seller", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                              consumer_id=CONSUMER_ID, public_key=self.key.public_pem)
        self.server = EmulatorServer(Emulator(EmulatorConfig(clients=[seller]), seed=7)).start()
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="variants-"))
        self.jar = jar
        self.driver = Driver()
        self._count = 0
        self._references: dict[str, Any] = {}

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.driver.close()
        self.server.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def env(self, variant: Variant) -> dict[str, str]:
        return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
                "WALMART_BASE_URL": self.server.url, "WALMART_ENV": self.server.url,
                "WALMART_CONSUMER_ID": CONSUMER_ID,
                "WALMART_PRIVATE_KEY": key_text(self.key, variant.key_format),
                "WALMART_CLIENT_ID": CLIENT_ID, "WALMART_CLIENT_SECRET": CLIENT_SECRET,
                "WALMART_SIGNATURE_JAR": str(self.jar or "DigitalSignatureUtil-1.0.0.jar"),
                **variant.extra_env}

    def folder(self, variant: Variant) -> Path:
        self._count += 1
        folder = self.workdir / f"{self._count:04d}-{re.sub(r'[^A-Za-z0-9]+', '-', variant.id)[:80]}"
        for path, source in variant.files.items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source, encoding="utf-8")
        return folder

    def _api_calls(self) -> list[Any]:
        return [e for e in self.server.emulator.exchanges if e.request.path != "/v3/token"]

    def run_program(self, variant: Variant, folder: Path) -> tuple[dict[str, Any], list[Any]]:
        self.server.emulator.reset()
        answer = self.driver.run(folder, self.env(variant), deterministic=variant.deterministic)
        return answer, self._api_calls()

    def legacy_problems(self, variant: Variant, folder: Path) -> tuple[list[str], int]:
        """Why the variant is not valid seller code (none when it is), and its API calls."""
        answer, calls = self.run_program(variant, folder)
        if not answer["ok"]:
            return [f"legacy run failed: {_last_line(answer['error'])}"], 0
        if variant.deterministic:
            expected = self._reference(variant.base)
            if [answer["result"], answer["requests"]] != expected:
                return ["the variant returns or sends other things than its fixture"], 0
            return [], 0
        problems = []
        if answer["result"] != variant.expect_run:
            problems.append(f"legacy run returned {answer['result']!r}, not {variant.expect_run!r}")
        if not calls:
            problems.append("legacy run made no API call")
        if not variant.lookalike and {e.auth for e in calls} - {"legacy"}:
            problems.append(f"legacy run authenticated as {sorted({str(e.auth) for e in calls})}")
        if {e.response.status for e in calls} - {200}:
            problems.append(f"legacy run got {sorted({e.response.status for e in calls})}")
        return problems, len(calls)

    def _reference(self, name: str) -> Any:
        """What the fixture itself returns and sends when run offline."""
        if name not in self._references:
            base = next(b for b in bases() if b.name == name)
            variant = base_variant(base)
            answer, _ = self.run_program(variant, self.folder(variant))
            assert answer["ok"], answer.get("error")
            self._references[name] = [answer["result"], answer["requests"]]
        return self._references[name]

    def check(self, variant: Variant) -> Outcome:
        started = time.perf_counter()
        outcome = self._check(variant)
        outcome.seconds = time.perf_counter() - started
        return outcome

    def _check(self, variant: Variant) -> Outcome:
        def done(status: str, reasons: list[str], valid: bool = True,
                 harm: dict[str, int] | None = None, causes: list[str] | None = None) -> Outcome:
            return Outcome(variant.id, variant.refactorings, variant.lookalike, valid, status,
                           reasons, harm or {}, causes=causes if causes is not None else reasons[:1])

        if uses_jar(variant) and self.jar is None:
            return done("skipped", ["no JDK to build the signature jar"], valid=False)
        folder = self.folder(variant)
        problems, legacy_calls = self.legacy_problems(variant, folder)
        if problems:
            return done("invalid", problems, valid=False)
        _git_commit(folder)
        try:
            result = run(RunRequest(paths=(folder,), write=True, jobs=1, target=variant.target)).result
        except Exception as exc:
            return done("broken", [f"the runner failed: {type(exc).__name__}: {exc}"])
        after = _files_on_disk(folder)
        findings = {r.path: r.findings for r in result.files}
        harm = harms(variant.files, after, result)
        if variant.lookalike:
            reasons = [f"{p}: changed" for p in sorted(set(after) | set(variant.files))
                       if after.get(p) != variant.files.get(p)]
            reasons += [f"{p}:{f.line}: marketplace-signature finding ({f.message})"
                        for p, fs in findings.items() for f in fs if f.scheme == "marketplace-signature"]
            return done("harmed" if reasons else "untouched", reasons, harm=harm)
        answer, calls = self.run_program(variant, folder)
        failures = self._oauth_problems(variant, answer, calls, legacy_calls)
        if not failures:
            return done("migrated", [], harm=harm)
        manual = [(p, f.message) for p, fs in findings.items() for f in fs if f.action == "manual"]
        if manual:
            return done("manual", [f"{p}: {m}" for p, m in manual] + failures, harm=harm,
                        causes=sorted({m for _, m in manual}))
        missed = unreported(after, findings)
        if missed:
            return done("missed", missed + failures, harm=harm,
                        causes=sorted({m.split(": ", 1)[-1] for m in missed}))
        return done("broken", failures, harm=harm)

    def _oauth_problems(self, variant: Variant, answer: dict[str, Any], calls: list[Any],
                        legacy_calls: int) -> list[str]:
        if not answer["ok"]:
            return [f"migrated run failed: {_last_line(answer['error'])}"]
        problems = []
        if answer["result"] != variant.expect_run:
            problems.append(f"migrated run returned {answer['result']!r}, not {variant.expect_run!r}")
        if len(calls) != legacy_calls:
            problems.append(f"migrated run made {len(calls)} API calls, not {legacy_calls}")
        if {e.auth for e in calls} - {"oauth"}:
            problems.append(f"migrated run authenticated as {sorted({str(e.auth) for e in calls})}")
        if {e.response.status for e in calls} - {200}:
            problems.append(f"migrated run got HTTP {sorted({e.response.status for e in calls})}")
        if any(not e.request.header("WM_SEC.ACCESS_TOKEN") for e in calls):
            problems.append("a migrated call has no WM_SEC.ACCESS_TOKEN")
        sent = sorted({h for e in calls for h in LEGACY if e.request.header(h) is not None})
        if sent:
            problems.append(f"migrated calls still send {', '.join(sent)}")
        return problems

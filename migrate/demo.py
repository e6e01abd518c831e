"""``walmart-migrate demo``: a whole migration of the bundled sample seller repository, on
this machine and offline - scan, diff, apply, the seller's own tests replayed and re-recorded
against the local emulator, and the new cassettes verified against the legacy ones."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from migrate.repo_commands import apply_command, scan_command
from migrate.runner.run import RunRequest
from migrate.verify.command import VerifyRequest, verify

__all__ = ["SAMPLE", "run_demo"]

# Package data, so the demo runs the same from a checkout and from an installed wheel.
SAMPLE = Path(__file__).resolve().parent / "sample-seller"
Say = Callable[[str], None]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=demo@example.com",
                    "-c", "user.name=walmart-migrate demo", *args],
                   check=True, capture_output=True, timeout=60)


def _pytest(repo: Path, *args: str, mode: str | None = None) -> tuple[bool, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALMART_")}
    env["PYTHONPATH"] = str(repo)
    if mode is not None:
        env["WALMART_AUTH_MODE"] = mode
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode == 0, lines[-1] if lines else done.stderr.strip()[-300:]


def _step(say: Say, title: str) -> None:
    say("")
    say(f"== {title}")


def _indented(say: Say, text: str) -> None:
    for line in text.rstrip("\n").splitlines():
        say(f"   {line}")


def _prepare(keep: Path | None) -> tuple[Path, Path, Path]:
    work = keep or Path(tempfile.mkdtemp(prefix="walmart-migrate-demo-"))
    repo, legacy = work / "acme", work / "legacy-cassettes"
    shutil.copytree(SAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Acme's Walmart integration, signing the legacy way")
    shutil.copytree(repo / "tests" / "cassettes", legacy)
    return work, repo, legacy


def _apply(say: Say, repo: Path, target: str, diff: bool, report: Path | None = None) -> int:
    out, patch = io.StringIO(), io.BytesIO()
    request = RunRequest(paths=(repo,), jobs=1, write=not diff, target=target, declare_runtime=True)
    code = apply_command(request, "text",
                         report, diff=diff, check=False, out=out, err=out, out_bytes=patch)
    _indented(say, patch.getvalue().decode("utf-8", "replace") if diff else out.getvalue())
    return code


def _verify(say: Say, repo: Path, legacy: Path) -> bool:
    out = io.StringIO()
    verified = verify(VerifyRequest(paths=(repo / "tests" / "cassettes",), before=legacy), "text",
                      None, out=out, err=out)
    _indented(say, out.getvalue())
    return verified == 0


def _finish(say: Say, work: Path, keep: Path | None, checks: list[tuple[str, bool]]) -> int:
    for what, ok in checks:
        say(f"   [{'ok' if ok else 'FAILED'}] {what}")
    verdict = all(ok for _, ok in checks)
    say(f"   verdict: {'migrated and verified' if verdict else 'NOT verified - see above'}")
    if keep is None:
        shutil.rmtree(work, ignore_errors=True)
    else:
        say(f"   the repositories are kept in {work}")
    return 0 if verdict else 1


def run_demo(say: Say = print, keep: Path | None = None, rollout: bool = False) -> int:
    if not (SAMPLE / "seller").is_dir():
        print(f"walmart-migrate demo: the sample seller is missing from {SAMPLE}; reinstall: "
              "pip install --force-reinstall 'walmart-migrate[demo]'", file=sys.stderr)
        return 2
    if keep is not None:
        # The demo starts from a folder of its own (click has refused a file already).
        if keep.is_dir() and any(keep.iterdir()):
            print(f"walmart-migrate demo: --keep {keep} already exists and is not empty (a "
                  "previous demo?); remove it or name a new folder", file=sys.stderr)
            return 2
        keep.mkdir(parents=True, exist_ok=True)
    if rollout:
        return run_rollout_demo(say, keep)
    work, repo, legacy = _prepare(keep)
    checks: list[tuple[str, bool]] = []

    _step(say, f"1. The seller's repository: {repo}")
    passed, line = _pytest(repo)
    say(f"   its tests replay the legacy cassettes: {line}")
    checks.append(("legacy tests pass", passed))

    _step(say, "2. walmart-migrate scan .")
    out = io.StringIO()
    scan_command(RunRequest(paths=(repo,), jobs=1), "text", None, out=out, err=out)
    # The steps are shown as typed in the repository: the command to run names it ".".
    _indented(say, out.getvalue().replace(f"apply {repo}", "apply ."))

    _step(say, "3. walmart-migrate apply --diff .")
    _apply(say, repo, "oauth", diff=True)

    _step(say, "4. walmart-migrate apply .")
    applied = _apply(say, repo, "oauth", diff=False, report=work / "report.json")
    _git(repo, "commit", "-q", "-am", "Move to OAuth 2.0 (walmart-migrate)")
    checks.append(("apply left nothing for a person", applied == 0))

    _step(say, "5. The migrated code against the legacy cassettes (pytest --walmart-replay)")
    passed, line = _pytest(repo, "--walmart-replay")
    say(f"   {line}")
    checks.append(("migrated code replays the legacy cassettes", passed))

    _step(say, "6. New cassettes, recorded against the local emulator (pytest --record-mode=rewrite)")
    passed, line = _pytest(repo, "--record-mode=rewrite")
    say(f"   {line}")
    checks.append(("migrated tests pass against the emulator", passed))

    _step(say, "7. walmart-migrate verify tests/cassettes --before legacy-cassettes")
    checks.append(("the new cassettes verify", _verify(say, repo, legacy)))

    _step(say, "Summary")
    _summary(say, work / "report.json", repo)
    return _finish(say, work, keep, checks)


def run_rollout_demo(say: Say, keep: Path | None) -> int:
    """The phased way: the rollout switch first, OAuth proven in production by the switch,
    then a second run drops the rollout path."""
    work, repo, legacy = _prepare(keep)
    checks: list[tuple[str, bool]] = []

    _step(say, "1. walmart-migrate apply --target rollout --diff .")
    _apply(say, repo, "rollout", diff=True)
    _step(say, "2. walmart-migrate apply --target rollout .")
    _apply(say, repo, "rollout", diff=False)
    _git(repo, "commit", "-q", "-am", "Rollout switch for OAuth (walmart-migrate)")

    _step(say, "3. Deployed with WALMART_AUTH_MODE=legacy: the legacy cassettes still replay")
    passed, line = _pytest(repo, mode="legacy")
    say(f"   {line}")
    checks.append(("legacy mode behaves as before", passed))

    _step(say, "4. WALMART_AUTH_MODE=oauth, recorded against the local emulator, then verified")
    passed, line = _pytest(repo, "--record-mode=rewrite", mode="oauth")
    say(f"   {line}")
    checks.append(("OAuth mode passes against the emulator", passed))
    checks.append(("OAuth-mode cassettes verify", _verify(say, repo, legacy)))
    _git(repo, "checkout", "-q", "--", "tests/cassettes")

    _step(say, "5. Switched to OAuth everywhere; walmart-migrate apply --diff . drops the rollout path")
    _apply(say, repo, "oauth", diff=True)
    _step(say, "6. walmart-migrate apply .")
    applied = _apply(say, repo, "oauth", diff=False, report=work / "report.json")
    checks.append(("the oauth run finished the job", applied == 0))
    _git(repo, "commit", "-q", "-am", "OAuth only (walmart-migrate)")

    _step(say, "7. The finished code: legacy cassettes replayed, new ones recorded and verified")
    replayed, line = _pytest(repo, "--walmart-replay")
    say(f"   replay: {line}")
    recorded, line = _pytest(repo, "--record-mode=rewrite")
    say(f"   record: {line}")
    checks.append(("finished code replays and records", replayed and recorded))
    checks.append(("the new cassettes verify", _verify(say, repo, legacy)))

    _step(say, "Summary")
    _summary(say, work / "report.json", repo)
    return _finish(say, work, keep, checks)


def _summary(say: Say, report: Path, repo: Path) -> None:
    import json

    data = json.loads(report.read_text())
    changed = [f["path"] for f in data["files"] if f["status"] == "changed"]
    say(f"   changed: {len(changed)} file(s): {', '.join(changed)}")
    findings = [(f["path"], x) for f in data["files"] for x in f["findings"]]
    rewritten = [p for p, x in findings if x["action"] == "rewritten"]
    say(f"   rewritten: {len(rewritten)} site(s)")
    manual = [(p, x) for p, x in findings if x["action"] == "manual"]
    say(f"   left for a person: {len(manual) or 'nothing'}")
    for path, finding in manual:
        say(f"     {path}:{finding['line']}: {finding['message']}")
    for path, finding in [(p, x) for p, x in findings if x["action"] == "ignored"]:
        say(f"   kept on purpose: {path}:{finding['line']} ({finding['scheme']})")
    for old, new in sorted(data["summary"].get("environment", {}).items()):
        say(f"   environment: {old} -> {new} (set it in every deployment)")

"""``apply --check`` over a big tree, against ``python -m libcst.tool codemod`` running the
same codemods over the same tree, and against ``grep -rlE`` for the markers (the floor).

The tree: copies of the standard library (about 2,000 files and 500,000 lines) with 20 legacy
seller files from the codemod fixtures spread through it, committed to a git repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from codemods.names import MARKERS, SIGNING_MARKERS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "codemods"
LEGACY = [
    "class_client_cryptography/before/acme/walmart.py",
    "functions_pem_constants/before/shop/walmart_api.py",
    "session_helper_module/before/sync/orders.py",
    "session_helper_module/before/sync/signing.py",
    "async_httpx_rsa/before/inventory/updater.py",
    "aiohttp_google_auth/before/pricing/client.py",
    "urllib_jar/before/catalog/items.py",
    "urllib_jar/before/catalog/jar_signer.py",
]


def build_tree(destination: Path, files: int = 2000, lines: int = 500_000,
               legacy: int = 20) -> tuple[int, int]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    # Files of ordinary size, so that the tree has about `lines` lines in `files` files.
    per_file = lines // files
    sources = sorted(p for p in stdlib.rglob("*.py")
                     if "site-packages" not in p.parts and p.stat().st_size < per_file * 5 * 40)
    copied = total = 0
    round_ = 0
    while copied < files:
        for source in sources:
            if copied >= files:
                break
            target = destination / f"copy{round_}" / source.relative_to(stdlib)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = source.read_bytes()
            target.write_bytes(text)
            copied += 1
            total += text.count(b"\n")
        round_ += 1
    folders = sorted({p.parent for p in destination.rglob("*.py")})
    for index in range(legacy):
        source = FIXTURES / LEGACY[index % len(LEGACY)]
        folder = folders[(index * 97) % len(folders)]
        shutil.copy(source, folder / f"walmart_legacy_{index}.py")
    subprocess.run(["git", "init", "-q"], cwd=destination, check=True)
    subprocess.run(["git", "add", "-A"], cwd=destination, check=True)
    subprocess.run(["git", "-c", "user.email=b@example.com", "-c", "user.name=B", "commit", "-q",
                    "-m", "tree"], cwd=destination, check=True)
    return copied + legacy, total


def _time(command: list[str], cwd: Path, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
    return best


def run(scale: float = 1.0) -> list[str]:
    files = max(60, int(2000 * scale))
    legacy = 20 if scale >= 1 else 4
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "tree"
        tree.mkdir()
        count, lines = build_tree(tree, files=files, lines=int(500_000 * scale), legacy=legacy)
        repeats = 3 if scale >= 1 else 1
        executable = str(Path(sys.executable).parent / "walmart-migrate")
        check = [executable, "apply", "--check", "."]
        cold = _time([*check, "--no-cache"], tree, repeats)
        _age(tree)  # files written just now are never cached (they might still be changing)
        subprocess.run(check, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        warm = _time(check, tree, repeats)
        unrelated = next(p for p in sorted(tree.rglob("*.py")) if b"WM_" not in p.read_bytes())
        edited = []
        for _ in range(repeats):  # each run sees a file it has not seen in that state
            with unrelated.open("a") as handle:
                handle.write("# edited\n")
            _age(tree, only=unrelated)
            edited.append(_time(check, tree, 1))
        # Every marker the run's prefilter looks for, signing calls included.
        pattern = "|".join(re.escape(m.decode()) for m in MARKERS + SIGNING_MARKERS)
        grep = _time(["grep", "-rlE", pattern, "."], tree, repeats)
        libcst = _time([sys.executable, "-m", "libcst.tool", "codemod", "-x",
                        "codemods.pipeline.MigrateToOAuth", ".", "--no-format", "-u", "0",
                        "--hide-progress"], tree, 1)
    return [
        f"tree: {count} files, {lines} lines, {legacy} legacy files",
        f"walmart-migrate apply --check: {cold:.2f}s cold (--no-cache), {warm:.2f}s from its "
        f"result cache, {min(edited):.2f}s after editing an unrelated file; grep -rlE (floor): "
        f"{grep:.2f}s; python -m libcst.tool codemod (same codemods, no cache): {libcst:.2f}s",
        f"walmart-migrate is {libcst / cold:.1f}x faster than the LibCST tool, both cold "
        "(target: 20x or more)",
        f"walmart-migrate takes {cold / grep:.1f}x the time of grep cold, {warm / grep:.1f}x from "
        f"its result cache, {min(edited) / grep:.1f}x after an unrelated edit (target: within 5x)",
    ]


def _age(tree: Path, only: Path | None = None) -> None:
    """Date files a minute back, as if written before this run: the cache does not store
    a run during which (or just before which) a file changed."""
    moment = time.time() - 60
    for path in [only] if only else tree.rglob("*.py"):
        os.utime(path, (moment, moment))

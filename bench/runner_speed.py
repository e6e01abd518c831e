"""``apply --check`` over a big tree, cold, warm and after one edit, against: the floor (read,
prefilter, parse and walk the candidates once), LibCST parsing every file, ``python -m
libcst.tool codemod`` running the same codemods, and ``grep -rlE`` for the markers - all
measured in the same run, on the same machine load.

The tree: copies of the standard library (about 2,000 files and 500,000 lines) with 20 legacy
seller files from the codemod fixtures spread through it, committed to a git repository."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

from codemods.names import MARKERS, SIGNING_MARKERS
from migrate.runner.contents import WINDOW_NS

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


# The floor of a cold run, in a fresh interpreter as the tool runs: start, import LibCST, read
# every file once, keep those with a marker, parse each of them once and walk it once.
_FLOOR = """
import os, sys
import libcst as cst
markers = [bytes.fromhex(m) for m in sys.argv[1].split(",")]
class Walk(cst.CSTVisitor):
    pass
for folder, folders, files in os.walk("."):
    folders[:] = [f for f in folders if f != ".git"]
    for name in files:
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as handle:
                data = handle.read()
            if any(m in data for m in markers):
                cst.parse_module(data).visit(Walk())
"""

# LibCST parsing every file of the tree, with as many processes as the tool uses.
_PARSE_ALL = """
import os, sys
from concurrent.futures import ProcessPoolExecutor
import libcst as cst
def parse(path):
    with open(path, "rb") as handle:
        cst.parse_module(handle.read())
paths = [os.path.join(d, n) for d, ds, ns in os.walk(".") if ".git" not in d.split(os.sep)
         for n in ns if n.endswith(".py")]
with ProcessPoolExecutor(int(sys.argv[1])) as pool:
    list(pool.map(parse, paths, chunksize=16))
"""


def _alternately(commands: list[list[str]], cwd: Path, repeats: int) -> list[float]:
    """The best time of each command, the commands run in turns."""
    best = [float("inf")] * len(commands)
    for _ in range(repeats):
        for index, command in enumerate(commands):
            best[index] = min(best[index], _time(command, cwd, 1))
    return best


def _edited(tree: Path, path: Path, check: list[str], repeats: int,
            moving: bool = False) -> float:
    """The best time of a run after one edit of ``path`` each time, each run from the cache
    a run over the previous state left. The edit adds a comment at the end; ``moving``, at
    the top, which moves every line below it (and so every position the plan holds)."""
    times = []
    for _ in range(repeats):
        if moving:
            path.write_bytes(b"# moved down\n" + path.read_bytes())
        else:
            with path.open("a") as handle:
                handle.write("# edited\n")
        _age(tree, only=path)
        times.append(_time(check, tree, 1))
        subprocess.run(check, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return min(times)


def _watched(tree: Path, path: Path, executable: str, repeats: int) -> float:
    """The best time from an edit of ``path`` to ``scan --watch`` saying it watches again,
    its report printed: the same process scans after every save."""
    process = subprocess.Popen([executable, "scan", "--watch", "."], cwd=tree,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()

    def watching() -> None:
        while "for changes; ctrl-C stops" not in lines.get(timeout=120):
            pass

    try:
        watching()
        times = []
        for _ in range(repeats * 2):
            time.sleep(0.5)  # apart from the last scan, as saves are
            started = time.perf_counter()
            with path.open("a") as handle:
                handle.write("# edited\n")
            watching()
            times.append(time.perf_counter() - started)
        return min(times)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def run(scale: float = 1.0) -> list[str]:
    from codemods.registry import CODEMODS, markers_of

    files = max(60, int(2000 * scale))
    legacy = 20 if scale >= 1 else 4
    jobs = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "tree"
        tree.mkdir()
        count, lines = build_tree(tree, files=files, lines=int(500_000 * scale), legacy=legacy)
        repeats = 3 if scale >= 1 else 1
        _compile_the_tool()
        executable = str(Path(sys.executable).parent / "walmart-migrate")
        check = [executable, "apply", "--check", "."]
        markers = ",".join(m.hex() for m in markers_of(CODEMODS))
        # Taken in turns: a shared machine's speed drifts by a third over minutes, and a
        # ratio of two times taken minutes apart would measure the drift.
        floor, cold = _alternately([[sys.executable, "-c", _FLOOR, markers],
                                    [*check, "--no-cache"]], tree,
                                   repeats + 2 if scale >= 1 else 1)
        parse_all = _time([sys.executable, "-c", _PARSE_ALL, str(jobs)], tree, 1)
        cold = min(cold, _time([*check, "--no-cache"], tree, 1))
        _age(tree)  # files written just now are never cached (they might still be changing)
        # ... and a file's status is recorded with its id once it has not changed for two
        # seconds (its change time, set by the dating just done): as a seller's files have
        # not, the runs below take ids from statuses instead of hashing every file.
        time.sleep(WINDOW_NS / 1e9 + 0.1)
        subprocess.run(check, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        warm = _time(check, tree, repeats)
        python = sorted(tree.rglob("*.py"))
        unrelated = next(p for p in python if b"WM_" not in p.read_bytes())
        walmart = next(p for p in python if p.name.startswith("walmart_legacy_"))
        edited = _edited(tree, unrelated, check, repeats)
        edited_walmart = _edited(tree, walmart, check, repeats)
        moved = _edited(tree, walmart, check, repeats, moving=True)
        watched = _watched(tree, walmart, executable, repeats)
        # Every marker the run's prefilter looks for, signing calls included.
        pattern = "|".join(re.escape(m.decode()) for m in MARKERS + SIGNING_MARKERS)
        grep = _time(["grep", "-rlE", pattern, "."], tree, repeats)
        libcst = _time([sys.executable, "-m", "libcst.tool", "codemod", "-x",
                        "codemods.pipeline.MigrateToOAuth", ".", "--no-format", "-u", "0",
                        "--hide-progress", "-j", str(jobs)], tree, 1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [
        f"tree: {count} files, {lines} lines, {legacy} legacy files; {jobs} processes; "
        f"load average {load:.1f} at the end",
        f"walmart-migrate apply --check: {cold:.2f}s cold (--no-cache), {warm:.2f}s from its "
        f"result cache, {edited:.2f}s after editing an unrelated file, {edited_walmart:.2f}s "
        f"after editing a Walmart file, {watched:.2f}s from scan --watch after editing it; "
        f"floor (read, prefilter, one parse and one walk of the candidates): {floor:.2f}s; "
        f"LibCST parse of every file: {parse_all:.2f}s; grep -rlE: "
        f"{grep:.2f}s; python -m libcst.tool codemod (same codemods, no cache): {libcst:.2f}s",
        f"cold is {cold / floor:.1f}x the floor (target: 2x or less)",
        f"cold is {cold / parse_all:.2f} of LibCST parsing every file (target: 0.10 or less)",
        f"walmart-migrate is {libcst / cold:.1f}x faster than the LibCST tool, both cold "
        "(target: 40x or more)",
        f"one file changed after a warm run: {edited:.2f}s for an unrelated file, "
        f"{edited_walmart:.2f}s for a Walmart file in a new process ({moved:.2f}s when the edit "
        f"moves its lines), {watched:.2f}s for it in scan --watch (target: 0.30s or less)",
        f"walmart-migrate takes {cold / grep:.1f}x the time of grep cold, {warm / grep:.1f}x from "
        f"its result cache, {edited / grep:.1f}x after an unrelated edit, "
        f"{edited_walmart / grep:.1f}x after a Walmart file's edit ({watched / grep:.1f}x in scan "
        "--watch) (target: within 5x)",
    ]


def _compile_the_tool() -> None:
    """The tool's modules compiled to bytecode, as pip leaves an installed package (LibCST's
    are): where writing bytecode is turned off (PYTHONDONTWRITEBYTECODE), a checkout would
    otherwise compile every module on every run it times, about 0.1 s each."""
    subprocess.run([sys.executable, "-m", "compileall", "-q",
                    *(str(ROOT / name) for name in ("codemods", "migrate", "shim")),
                    str(ROOT / "walmart_migrate_entry.py")], check=True,
                   stdout=subprocess.DEVNULL)


def _age(tree: Path, only: Path | None = None) -> None:
    """Date files a minute back, as if written before this run: the cache does not store
    a run during which (or just before which) a file changed."""
    moment = time.time() - 60
    for path in [only] if only else tree.rglob("*.py"):
        os.utime(path, (moment, moment))

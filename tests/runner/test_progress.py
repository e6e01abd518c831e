from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from migrate.runner.progress import Progress
from tests.runner.conftest import LEGACY, ROOT, TOY_OPTIONS, Repo
from tests.terminal import on_a_terminal


def _lines(stream: io.StringIO) -> list[str]:
    return [line.replace("\x1b[K", "") for line in stream.getvalue().rstrip("\n").split("\r")[1:]]


def test_a_bar_with_counts_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(6, "walmart-migrate", stream=stream, enabled=True)
    progress.finished(2)
    for changed in (True, False, False, True):
        progress.advance(changed)
    progress.close()
    assert _lines(stream)[-1] == f"walmart-migrate [{'#' * 30}] 6/6 files, 2 to change"


def test_it_shows_at_once_and_ends_with_the_summarys_count() -> None:
    stream = io.StringIO()
    progress = Progress(3, "walmart-migrate", stream=stream, enabled=True)
    assert _lines(stream) == [f"walmart-migrate [{'.' * 30}] 0/3 files, analysing across files"]
    progress.finished(1)
    progress.advance(True)
    progress.advance(True)
    progress.close(changed=1)  # one of the two was held back
    assert _lines(stream)[-1].endswith("3/3 files, 1 to change")


def test_quiet_when_not_a_terminal() -> None:
    stream = io.StringIO()  # isatty() is False
    progress = Progress(4, "walmart-migrate", stream=stream)
    progress.advance(True)
    progress.close()
    assert stream.getvalue() == ""


def _on_a_terminal(repo: Repo, *args: str) -> str:
    """stderr of a real run whose stderr is a terminal."""
    code, shown = on_a_terminal([sys.executable, "-m", "migrate", *args, *TOY_OPTIONS], repo.path,
                                {**os.environ, "PYTHONPATH": str(ROOT)}, "stderr")
    assert code in (0, 1)
    return shown.decode()


def test_the_bar_counts_the_files_the_summary_counts(repo: Repo, tmp_path: Path) -> None:
    repo.write("app/client.py", LEGACY)
    for n in range(5):
        repo.write(f"app/plain_{n}.py", f"VALUE = {n}\n")
    repo.commit()
    shown = _on_a_terminal(repo, "scan", "--no-cache", ".")
    frames = [f.replace("\x1b[K", "").strip() for f in shown.split("\r") if f.strip()]
    assert frames[0].endswith("0/6 files, analysing across files")
    assert frames[-1].endswith("6/6 files, 1 to change")
    assert _on_a_terminal(repo, "scan", "-q", "--no-cache", ".") == ""

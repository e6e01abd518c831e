from __future__ import annotations

import io

from migrate.runner.progress import Progress


def test_a_bar_with_counts_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(4, "walmart-migrate", stream=stream, enabled=True)
    for changed in (True, False, False, True):
        progress.advance(changed)
    progress.close()
    last = stream.getvalue().rstrip("\n").split("\r")[-1]
    assert last == f"walmart-migrate [{'#' * 30}] 4/4 files, 2 to change"


def test_quiet_when_not_a_terminal() -> None:
    stream = io.StringIO()  # isatty() is False
    progress = Progress(4, "walmart-migrate", stream=stream)
    progress.advance(True)
    progress.close()
    assert stream.getvalue() == ""

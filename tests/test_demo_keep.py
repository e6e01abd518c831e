"""``demo --keep DIR`` works in a folder of its own: a second run into the same folder, or a
file of that name, is a usage error saying what to do, and nothing there is touched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "migrate", "demo", *args], capture_output=True,
                          text=True, timeout=120)


def test_a_kept_folder_from_an_earlier_demo_is_left_alone(tmp_path: Path) -> None:
    earlier = tmp_path / "demo"
    (earlier / "acme").mkdir(parents=True)
    (earlier / "acme" / "notes.txt").write_text("looked at this")
    done = _demo("--keep", str(earlier))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == (f"walmart-migrate demo: --keep {earlier} already exists and is not "
                           "empty (a previous demo?); remove it or name a new folder\n")
    assert done.stdout == ""
    assert [p.name for p in earlier.rglob("*")] == ["acme", "notes.txt"]


def test_a_file_is_not_a_folder_to_keep(tmp_path: Path) -> None:
    file = tmp_path / "demo.txt"
    file.write_text("")
    done = _demo("--rollout", "--keep", str(file))
    assert done.returncode == 2
    assert f"Error: Invalid value for '--keep': Directory '{file}' is a file." in done.stderr

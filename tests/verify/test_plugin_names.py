"""A seller's project with its own ``migrate.py`` (and ``shim.py``): installing walmart-migrate
must not stop their pytest sessions, run their modules, or hand them our packages; the command
line says in one line that the name is taken. Real pytest and console-script subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SIDE_EFFECT = "from pathlib import Path\nPath(__file__).with_name('ran.txt').write_text('ran')\n"
PLAIN_TEST = "def test_plain():\n    assert 2 + 2 == 4\n"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WALMART_", "PYTHON"))}
    return {**env, **extra}


def _pytest(project: Path, files: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run pytest in a seller's project made of ``files``. ``python -m pytest`` puts the project
    folder first on sys.path, as a seller's CI does."""
    for name, text in files.items():
        (project / name).write_text(text)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
                          cwd=project, capture_output=True, text=True, env=_env(), timeout=120)


def test_a_seller_migrate_module_neither_breaks_nor_runs(tmp_path: Path) -> None:
    done = _pytest(tmp_path, {
        "migrate.py": SIDE_EFFECT, "test_plain.py": PLAIN_TEST,
        "test_recorded.py": "import pytest\n\n@pytest.mark.vcr\ndef test_one():\n    pass\n\n"
                            "@pytest.mark.vcr\ndef test_two():\n    pass\n"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    assert "Error while loading plugin" not in done.stdout + done.stderr
    assert not (tmp_path / "ran.txt").exists()
    # pytest-recording's tests are where the plugin would scrub: it says once that it cannot.
    assert done.stdout.count("walmart-migrate does not scrub these cassettes: 'import migrate' "
                             f"finds {tmp_path / 'migrate.py'}") == 1


def test_the_seller_keeps_their_own_migrate_and_shim(tmp_path: Path) -> None:
    done = _pytest(tmp_path, {
        "migrate.py": "OWNER = 'acme'\n",
        "shim.py": "OWNER = 'acme'\n",  # no reset_registry() here
        "test_own.py": "import pytest\nimport migrate\nimport shim\n\n\n@pytest.mark.vcr\n"
                       "def test_own_modules():\n"
                       "    assert (migrate.OWNER, shim.OWNER) == ('acme', 'acme')\n"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_asking_for_replay_past_a_seller_migrate_says_why_it_cannot(tmp_path: Path) -> None:
    done = _pytest(tmp_path, {
        "migrate.py": SIDE_EFFECT, "test_plain.py": PLAIN_TEST,
        "test_replayed.py": "import pytest\n\n@pytest.mark.vcr\ndef test_replayed():\n    pass\n"},
        "--walmart-replay")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed, 1 error" in done.stdout
    assert "ERROR test_replayed.py::test_replayed" in done.stdout
    assert (f"--walmart-replay: 'import migrate' finds {tmp_path / 'migrate.py'}, not "
            "walmart-migrate's package") in done.stdout
    assert not (tmp_path / "ran.txt").exists()


@pytest.mark.parametrize("layout", ["migrate/__init__.py", "migrate.py"])
def test_the_command_line_names_a_foreign_migrate(tmp_path: Path, layout: str) -> None:
    foreign = tmp_path / "elsewhere" / layout
    foreign.parent.mkdir(parents=True, exist_ok=True)
    foreign.write_text(SIDE_EFFECT)
    script = Path(sys.executable).with_name("walmart-migrate")
    done = subprocess.run([str(script), "scan", "."], cwd=tmp_path, capture_output=True, text=True,
                          env=_env(PYTHONPATH=str(tmp_path / "elsewhere")), timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"walmart-migrate: 'import migrate' finds {foreign}, not "
                                  "walmart-migrate's package in ")
    assert not foreign.with_name("ran.txt").exists()

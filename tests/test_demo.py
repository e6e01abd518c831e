from __future__ import annotations

import subprocess
import sys


def test_the_demo_runs_both_schemes_against_the_emulator() -> None:
    result = subprocess.run([sys.executable, "-m", "migrate", "demo"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "legacy signature  GET /v3/orders -> 200" in result.stdout
    assert "OAuth token       GET /v3/orders -> 200" in result.stdout
    assert "same orders either way: yes" in result.stdout

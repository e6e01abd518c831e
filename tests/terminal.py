"""Run a command with one of its outputs on a real terminal (a pty), as a seller's shell does:
what is drawn or coloured only for a terminal shows there."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

__all__ = ["on_a_terminal"]


def on_a_terminal(command: list[str], cwd: Path, env: dict[str, str], stream: str) -> tuple[int, bytes]:
    """The exit code, and what went to ``stream`` ("stdout" or "stderr", the terminal); the
    other output is dropped."""
    leader, follower = pty.openpty()
    outputs = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, stream: follower}
    done = subprocess.run(command, cwd=cwd, env=env, timeout=120, stdout=outputs["stdout"],
                          stderr=outputs["stderr"])
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # Linux: EIO once the other side is closed and read out
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return done.returncode, b"".join(chunks)

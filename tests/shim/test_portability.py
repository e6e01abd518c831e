"""What sellers import: only the standard library and httpx, and it runs on Python 3.9."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrate.emulator import EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET

ROOT = Path(__file__).resolve().parents[2]


def test_import_shim_pulls_in_only_the_standard_library_and_httpx() -> None:
    # httpx itself imports click, pygments and rich for its own CLI when they are installed,
    # so the measure is what `import shim` adds on top of `import httpx`.
    probe = textwrap.dedent("""
        import json, sys
        before = set(sys.modules)
        import httpx
        with_httpx = set(sys.modules)
        import shim
        def third_party(names):
            tops = {m.split('.')[0] for m in names}
            return sorted(m for m in tops if m not in sys.stdlib_module_names)
        print(json.dumps([third_party(with_httpx - before),
                          third_party(set(sys.modules) - with_httpx)]))
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    by_httpx, by_shim = json.loads(result.stdout)
    assert "httpx" in by_httpx
    assert by_shim == ["shim"]


def test_the_extras_load_only_when_used() -> None:
    probe = ("import sys, shim; shim.WalmartRequestsAuth; "
             "print('requests' in sys.modules, 'cryptography' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.split() == ["True", "False"]


def _python39() -> str | None:
    found = shutil.which("python3.9")
    if found and subprocess.run([found, "-V"], capture_output=True).returncode == 0:
        return found
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = sorted(glob.glob(os.path.join(root, "versions", "3.9*", "bin", "python3.9")))
    return candidates[-1] if candidates else None


SCRIPT_39 = """
import asyncio, sys
assert sys.version_info[:2] == (3, 9), sys.version
import httpx, shim
base, client_id, secret = sys.argv[1:4]
provider = shim.TokenProvider(client_id, secret, environment=base)
token = provider.token()
assert provider.token() == token
with httpx.Client(base_url=base, auth=shim.WalmartAuth(provider=provider)) as client:
    assert client.get("/v3/orders").status_code == 200
async def main():
    async with httpx.AsyncClient(base_url=base, auth=shim.WalmartAuth(provider=provider)) as c:
        assert (await c.get("/v3/items")).status_code == 200
    headers = await shim.aauth_headers(client_id, secret, environment=base, market="ca")
    assert headers["WM_MARKET"] == "ca"
asyncio.run(main())
try:
    shim.access_token(client_id, "wrong", environment=base)
except shim.TokenRejectedError as exc:
    assert "reset by another user" in str(exc)
else:
    raise AssertionError("a wrong secret was accepted")
print("ok", repr(provider))
"""


def _venv39() -> Path:
    """A Python 3.9 virtualenv with only httpx, made once beside the project's own .venv."""
    python39 = _python39()
    if python39 is None:
        pytest.skip("no Python 3.9 interpreter on this machine")
    venv = Path(sys.prefix) / "py39-shim"
    python = venv / "bin" / "python"
    marker = venv / ".httpx-installed"
    if not marker.exists():
        subprocess.run([python39, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "httpx>=0.25"],
                       check=True, timeout=600)
        marker.touch()
    return python


def test_the_shim_runs_on_python_3_9(server: EmulatorServer) -> None:
    python = _venv39()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONNOUSERSITE": "1"}
    env.pop("PYTHONHOME", None)
    result = subprocess.run([str(python), "-c", SCRIPT_39, server.url, SELLER_ID, SELLER_SECRET],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok TokenProvider(")
    assert SELLER_SECRET not in result.stdout

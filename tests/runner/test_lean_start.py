"""The scan / apply path starts without LibCST's codemod framework and matchers: importing
them was most of a cold run's start-up. ``codemods.pipeline`` (for ``python -m libcst.tool``)
is the one place that needs them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from codemods.base import FileContext, SkipFile, WalmartCodemod, is_skip

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("libcst.codemod", "libcst.matchers")


def _loaded_after(code: str, cwd: Path) -> list[str]:
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print(json.dumps(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True,
                          text=True, check=True)
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_a_whole_apply_check_loads_neither(tmp_path: Path) -> None:
    seller = tmp_path / "seller"
    seller.mkdir()
    (seller / "client.py").write_text(textwrap.dedent("""\
        import time

        def headers(consumer_id, sign, url):
            ts = str(int(time.time() * 1000))
            return {"WM_SEC.AUTH_SIGNATURE": sign(url, ts), "WM_SEC.TIMESTAMP": ts,
                    "WM_CONSUMER.ID": consumer_id}
    """))
    loaded = _loaded_after(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from migrate.cli import main
        try:
            main(["apply", "--check", "--no-cache", "-j", "1", {str(seller)!r}])
        except SystemExit:
            pass
    """, tmp_path)
    assert loaded == []


def test_the_libcst_tool_command_still_has_them() -> None:
    loaded = _loaded_after("import codemods.pipeline", ROOT)
    assert "libcst.codemod" in loaded


class _Refuses(WalmartCodemod):
    NAME = "refuses"

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        raise SkipFile("not this one")


def test_a_codemod_skipping_a_file_is_told_apart_from_a_crash() -> None:
    with pytest.raises(SkipFile) as raised:
        _Refuses(FileContext()).transform_module(cst.parse_module("x = 1\n"))
    assert is_skip(raised.value)
    assert not is_skip(ValueError("a bug"))

from __future__ import annotations

import re
from pathlib import Path

from shim._config import _VARIABLES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented_in_the_configuration_table() -> None:
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(WALMART_[A-Z_]+)` \|", table, flags=re.M))
    assert documented == set(_VARIABLES.values())


def test_the_readme_keeps_its_two_commands() -> None:
    assert "make demo" in README
    assert "make test" in README

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.metamorphic.check import Checker, build_jar


@pytest.fixture(scope="session")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checker]:
    """One emulator server and one run driver for every variant a test worker checks; the
    signature jar stand-in is built from source when there is a JDK (jar variants skip
    otherwise)."""
    jar = build_jar(tmp_path_factory.mktemp("jar"))
    with Checker(jar, workdir=tmp_path_factory.mktemp("variants")) as running:
        yield running

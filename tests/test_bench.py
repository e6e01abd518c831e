"""The benchmarks still run (tiny sizes) and print their ratios; no timing is asserted."""

from __future__ import annotations

import re

import pytest

from bench import runner_speed
from bench.__main__ import BENCHMARKS, main


def test_the_shim_benchmark_prints_its_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shim", "--quick"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"WalmartAuth vs static headers \(sync, \d+ requests\): [\d.]+x", out)
    assert re.search(r"WalmartAuth vs static headers \(async, \d+ requests\): [\d.]+x", out)
    assert "simulated hour of steady traffic (900 s tokens): 4 " in out or \
        "simulated hour of steady traffic (900 s tokens): 5 " in out
    assert re.search(r"OAuth is [\d.]+x faster", out)


def test_an_unknown_benchmark_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["nope"])
    assert caught.value.code == 2


def test_the_runner_benchmark_prints_its_ratios(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The smallest tree the benchmark builds (60 files of at most 16 kB): LibCST's own tool
    # takes a minute and more over --quick's 100 files of up to 50 kB, and the lines printed
    # are the same.
    monkeypatch.setitem(BENCHMARKS, "runner", lambda scale: runner_speed.run(scale / 5))
    assert main(["runner", "--quick"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"walmart-migrate is [\d.]+x faster than the LibCST tool", out)
    assert re.search(r"walmart-migrate takes [\d.]+x the time of grep cold, [\d.]+x from its result "
                     r"cache, [\d.]+x after an unrelated edit", out)
    # Every target of the runner, from the same run.
    assert re.search(r"cold is [\d.]+x the floor \(target: 2x or less\)", out)
    assert re.search(r"cold is [\d.]+ of LibCST parsing every file \(target: 0\.10 or less\)", out)
    assert re.search(r"one file changed after a warm run: [\d.]+s for an unrelated file, "
                     r"[\d.]+s for a Walmart file in a new process \([\d.]+s when the edit "
                     r"moves its lines\), [\d.]+s for it in scan --watch", out)


def test_the_verify_benchmark_prints_its_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--quick"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"verified \d+ interactions in [\d.]+s: [\d,]+ interactions/s", out)
    assert re.search(r"verify takes [\d.]+x the floor", out)

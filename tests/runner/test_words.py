"""Words asked of every file: hyperscan's one pass and Python's ``in`` per word answer alike,
for single files and for whole runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.runner import words as words_module
from migrate.runner.report import json_report
from migrate.runner.run import RunRequest, run
from migrate.runner.words import Words
from tests.runner.conftest import Repo, every_case

# Few distinct bytes, so that words overlap, repeat and turn up inside one another.
_BYTES = st.binary(max_size=12).map(lambda b: bytes(x % 5 + 0x61 if x % 7 else 0 for x in b))


def test_hyperscan_is_the_engine_here() -> None:
    """The tests below compare two engines; on this machine both must be real."""
    assert Words([b"WM_SEC"], "hyperscan").engine == "hyperscan"
    assert Words([b"WM_SEC"], "python").engine == "python"


@settings(max_examples=400, deadline=None)
@given(st.lists(_BYTES, max_size=8), st.lists(_BYTES, max_size=6).map(b"".join))
def test_both_engines_find_the_same_words(wanted: list[bytes], data: bytes) -> None:
    fast, plain = Words(wanted, "hyperscan"), Words(wanted, "python")
    expected = frozenset(w for w in wanted if w in data)
    assert fast.found_in(data) == plain.found_in(data) == expected
    assert fast.any_in(data) == plain.any_in(data) == bool(expected)


def test_words_are_literal_bytes() -> None:
    """Regular-expression characters, NUL bytes and non-UTF-8 bytes are plain bytes."""
    wanted = [b"hmac.new(", b"a\x00b", b"\xff\xfe", b"[x]*", b"WM_SEC.AUTH_SIGNATURE"]
    data = b"hmacXnew( a\x00b [x]* \xff\xfe WM_SEC_AUTH_SIGNATURE"
    found = Words(wanted, "hyperscan").found_in(data)
    assert found == {b"a\x00b", b"\xff\xfe", b"[x]*"}
    assert Words([b"b\x00"], "hyperscan").found_in(b"b") == frozenset()


def test_the_empty_word_and_the_empty_file() -> None:
    assert Words([b""], "hyperscan").found_in(b"") == {b""}
    assert Words([b"x"], "hyperscan").found_in(b"") == frozenset()
    assert not Words([], "hyperscan").any_in(b"anything")
    assert Words([b"", b"x"], "hyperscan").any_in(b"")


def _outcome(repo: Repo) -> tuple[str, dict[str, bytes | None]]:
    result = run(RunRequest((repo.path,), diff=True, cache=False, jobs=1)).result
    return json_report(result), {r.path: r.new for r in result.changed}


def test_a_run_finds_the_same_with_either_engine(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Findings and rewritten text of a third of the fixture cases and the sample seller,
    searched both ways: every place a run asks files for words, on code that answers yes
    and no (the words themselves are compared on random bytes above)."""
    repo = Repo(tmp_path / "cases")
    every_case(repo, step=3)
    fast = _outcome(repo)
    monkeypatch.setattr(words_module, "ENGINE", "python")
    words_module.words.cache_clear()
    try:
        plain = _outcome(repo)
        assert words_module.words((b"WM_SEC",)).engine == "python"
    finally:
        words_module.words.cache_clear()
    assert fast[0].count('"action": "rewritten"') > 10
    assert plain == fast


class _Failing:
    """A database whose scans fail as hyperscan's do without scratch space, or when another
    thread is scanning with it."""

    def __init__(self) -> None:
        self.scans = 0

    def scan(self, data: bytes, match_event_handler: object) -> None:
        import hyperscan

        self.scans += 1
        raise hyperscan.ScratchInUseError("scratch in use")


def test_a_failing_scan_falls_back_to_in_for_good() -> None:
    for ask in ("found_in", "any_in"):
        prepared = Words([b"WM_SEC", b"consumer_id", b"a\x00b"], "hyperscan")
        failing = prepared._database = _Failing()
        data = b"x = consumer_id"
        expected = {b"consumer_id"} if ask == "found_in" else True
        assert getattr(prepared, ask)(data) == expected
        assert getattr(prepared, ask)(data) == expected
        assert prepared.engine == "python" and failing.scans == 1


def test_a_scan_is_one_pass() -> None:
    """A successful scan answers alone: nothing is searched again with ``in``."""
    prepared = Words([b"WM_SEC", b"consumer_id"], "hyperscan")
    prepared._searched = (b"WM_SEC", b"consumer_id")

    class Haystack(bytes):
        def __contains__(self, word: object) -> bool:
            raise AssertionError("searched with in")

    assert prepared.found_in(Haystack(b"WM_SEC")) == {b"WM_SEC"}
    assert not prepared.any_in(Haystack(b"nothing here"))

"""Which of many words a file's bytes hold, found in one pass over the bytes.

A run asks every file of the repository for words: the legacy markers, the names of the
Walmart modules (who imports them), the names a rewrite renames, the credential words. One
``word in data`` per word is a pass over the whole tree per word, at about 2 GB/s: some 45
passes over a 2,000-file tree, 0.45 s of a cold run. Hyperscan (Intel's multi-literal matcher,
SIMD) finds all of them in one pass: 0.02 s for 47 words over the same 19 MB.

Where hyperscan is missing (no wheel for the platform or Python, such as 3.9) or cannot run
(a CPU without the instructions it needs), each word is searched with ``in``: the same
answers, more slowly."""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Callable

__all__ = ["ENGINE", "Words", "words"]

# Set to "python" to search with ``in`` only (the tests run both ways).
ENGINE = os.environ.get("WALMART_MIGRATE_WORD_SEARCH", "hyperscan")


class Words:
    """A fixed set of byte strings, prepared once and asked of many files."""

    def __init__(self, words: Iterable[bytes], engine: str | None = None) -> None:
        self.words: tuple[bytes, ...] = tuple(dict.fromkeys(words))
        # The empty word is in every text; hyperscan's literal compiler refuses it.
        self._always = b"" in self.words
        searched = [w for w in self.words if w]
        # The binding hands hyperscan C strings: a word with a NUL byte would end there.
        plain = [w for w in searched if b"\0" not in w]
        self._database: Any = None
        if plain and (engine or ENGINE) == "hyperscan":
            self._database = _compile(plain)
        self._slow: tuple[bytes, ...] = ()  # searched with ``in`` beside the database
        if self._database is not None:
            self._slow = tuple(w for w in searched if b"\0" in w)
            searched = plain
        self._searched = tuple(searched)

    @property
    def engine(self) -> str:
        return "hyperscan" if self._database is not None else "python"

    def found_in(self, data: bytes) -> frozenset[bytes]:
        """The words ``data`` holds."""
        found: set[bytes] = {b""} if self._always else set()
        found.update(w for w in self._slow if w in data)
        if self._database is not None:
            searched = self._searched

            def hit(number: int, start: int, end: int, flags: int, context: object) -> None:
                found.add(searched[number])

            if self._scanned(data, hit) is not None:
                return frozenset(found)
        found.update(w for w in self._searched if w in data)
        return frozenset(found)

    def any_in(self, data: bytes) -> bool:
        """Whether ``data`` holds one of the words; stops at the first."""
        if self._always or any(w in data for w in self._slow):
            return True
        if self._database is not None:
            def stop(number: int, start: int, end: int, flags: int, context: object) -> bool:
                return True

            scanned = self._scanned(data, stop)
            if scanned is not None:
                return scanned
        return any(w in data for w in self._searched)

    def _scanned(self, data: bytes, handler: Callable[..., Any]) -> bool | None:
        """Whether hyperscan was stopped by ``handler``; None when it failed (it cannot
        have scratch space, or another thread is using it): the words are then searched
        with ``in``, from now on."""
        import hyperscan

        try:
            if data:  # hyperscan has nothing to say of an empty block, and may refuse one
                self._database.scan(data, match_event_handler=handler)
        except hyperscan.ScanTerminated:
            return True
        except hyperscan.error:
            self._database = None
            self._searched, self._slow = self._searched + self._slow, ()
            return None
        return False


def _compile(searched: list[bytes]) -> Any:
    """A hyperscan database matching each word literally, reporting each word once; None
    when hyperscan cannot be had here."""
    try:
        import hyperscan
    except ImportError:
        return None
    try:
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(expressions=searched, ids=list(range(len(searched))),
                         flags=hyperscan.HS_FLAG_SINGLEMATCH, literal=True)
    except hyperscan.error:  # a CPU without SSSE3, a library built for another
        return None
    return database


@lru_cache(maxsize=64)
def words(wanted: tuple[bytes, ...]) -> Words:
    """The prepared set for these words, prepared once per process."""
    return Words(wanted)

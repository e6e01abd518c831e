"""Before and after: the legacy cassette and the migrated one must make the same calls -
same method, URL, query and body - with only the auth headers changed. Calls are paired in
order; calls made concurrently (recorded in another order) are paired by method, URL, query
and body. Extra token requests are allowed; legacy Canada calls keep their signature."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from migrate.verify.cassette import Cassette, Interaction
from migrate.verify.hosts import is_canada
from migrate.verify.rules import Violation
from migrate.verify.shown_uri import shown_uri
from migrate.verify.tokens import is_token_request
from shim._wire import ACCESS_TOKEN, CORRELATION_ID, LEGACY_HEADERS

__all__ = ["compare_cassettes", "pair_cassettes"]

# Headers that differ between any two recordings, or that the migration changes by design.
_EXPECTED_TO_DIFFER = {h.lower() for h in (*LEGACY_HEADERS, ACCESS_TOKEN, CORRELATION_ID)} | {
    "authorization", "user-agent", "content-length", "host", "accept-encoding", "connection",
    "date", "x-forwarded-proto"}
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def _origin(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    host = parts.hostname or ""
    # Two recordings against a local emulator differ only by its port.
    return (parts.scheme, "loopback") if host in _LOOPBACK else (parts.scheme, parts.netloc.lower())


def _same_body(left: bytes, right: bytes) -> bool:
    if left == right:
        return True
    try:
        return bool(json.loads(left) == json.loads(right))
    except (ValueError, RecursionError):
        return False


def _key(interaction: Interaction) -> tuple[str, tuple[str, str], str, tuple[tuple[str, str], ...]]:
    return (interaction.method, _origin(interaction.uri), urlsplit(interaction.uri).path,
            tuple(sorted(parse_qsl(interaction.query, keep_blank_values=True))))


def _pairs(legacy: list[Interaction], migrated: list[Interaction]
           ) -> tuple[list[tuple[Interaction, Interaction]], list[Interaction], list[Interaction]]:
    """Each call with the first unpaired one making the same request; what is left is paired
    in order (so a changed call is reported as changed), and the rest is extra or missing."""
    pairs: list[tuple[Interaction, Interaction]] = []
    unpaired = list(legacy)
    extra: list[Interaction] = []
    for new in migrated:
        same = next((old for old in unpaired if _key(old) == _key(new) and
                     _same_body(old.request_body, new.request_body)), None)
        if same is None:
            extra.append(new)
            continue
        unpaired.remove(same)
        pairs.append((same, new))
    changed = list(zip(unpaired, extra))
    return pairs + changed, unpaired[len(changed):], extra[len(changed):]


def _differences(before: Interaction, after: Interaction) -> Iterator[str]:
    if before.method != after.method:
        yield f"method {before.method} before, {after.method} after"
    if _origin(before.uri) != _origin(after.uri) or \
            urlsplit(before.uri).path != urlsplit(after.uri).path:
        yield f"URL {before.uri} before, {after.uri} after"
    if sorted(parse_qsl(before.query, keep_blank_values=True)) != \
            sorted(parse_qsl(after.query, keep_blank_values=True)):
        yield f"query {before.query!r} before, {after.query!r} after"
    if not _same_body(before.request_body, after.request_body):
        yield "a different request body"
    if is_canada(after.path, after.request_headers.get):
        return  # the legacy Canada Marketplace keeps its signature on purpose
    if not after.request_headers.get(ACCESS_TOKEN):
        yield f"no {ACCESS_TOKEN} after"
    leftover = [h for h in LEGACY_HEADERS if after.request_headers.get(h) is not None]
    if leftover:
        yield f"legacy headers still sent after: {', '.join(leftover)}"
    names = (before.request_headers.names() | after.request_headers.names()) - _EXPECTED_TO_DIFFER
    for name in sorted(names):
        old, new = before.request_headers.all(name), after.request_headers.all(name)
        if old != new:
            yield f"header {name}: {old or 'absent'} before, {new or 'absent'} after"


def compare_cassettes(before: Cassette, after: Cassette) -> list[Violation]:
    found: list[Violation] = []
    legacy = [i for i in before.interactions if not is_token_request(i)]
    migrated = [i for i in after.interactions if not is_token_request(i)]
    pairs, missing, extra = _pairs(legacy, migrated)
    for old, new in sorted(pairs, key=lambda pair: pair[1].index):
        for difference in _differences(old, new):
            found.append(Violation("before-after", after.path, new.index, new.method,
                                   shown_uri(new.uri),
                                   f"expected the same call as interaction {old.index} of "
                                   f"{before.path.name} with only the auth changed; {difference}"))
    for interaction, side in [*((i, "after") for i in extra), *((i, "before only") for i in missing)]:
        found.append(Violation("before-after", after.path, interaction.index, interaction.method,
                               shown_uri(interaction.uri), f"expected {len(legacy)} calls as before, found "
                               f"{len(migrated)}; this one is {side}"))
    return found


def pair_cassettes(before_dir: Path, after: list[Path]) -> Iterator[tuple[Path | None, Path]]:
    """Each migrated cassette with the legacy one of the same name (path below the folder,
    else the bare file name)."""
    by_name = {p.name: p for p in before_dir.rglob("*") if p.is_file()}
    for path in after:
        yield by_name.get(path.name), path

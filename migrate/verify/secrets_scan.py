"""Where secrets hide in a recorded interaction: Basic credentials (Authorization and
Proxy-Authorization), raw tokens, private keys (PEM or bare base64 PKCS#8), credentials in
the URL, ``client_secret`` fields, and the client secrets and tokens the caller names - in
the URL, request and response headers, and both bodies (gzip and deflate undone).

Texts are searched in every reading (``secret_forms.readings``): percent-decoded,
JSON-unescaped; known secrets also in their base64 forms and, for keys, re-wrapped."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from migrate.verify.cassette import Interaction
from migrate.verify.content import decoded_body
from migrate.verify.secret_forms import base64_cores, compact, readings
from migrate.verify.tokens import is_scrubbed
from shim._secrets import _BARE_KEY, _PEM, fingerprint
from shim._wire import ACCESS_TOKEN

__all__ = ["raw_tokens_in", "secrets_in"]

_TOKEN_IN_BODY = re.compile(
    r'"access_token"\s*:\s*"([^"]*)"'
    r"|<(?:[\w.-]+:)?accessToken(?:\s[^>]*)?>\s*([^<]*?)\s*</(?:[\w.-]+:)?accessToken>")
# Walmart's access tokens are compact JWEs: a JSON header, then four base64url parts (the
# key part empty with direct encryption). One anywhere is a token, whoever issued it.
_JWE = re.compile(r"eyJ[\w-]{10,}\.[\w-]*\.[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")
_BASIC = re.compile(r"^\s*basic\s+(\S+)\s*$", re.I)
_FIELD = re.compile(r"""(?i)\b(client_secret|access_token)["']?\s*[:=]\s*["']?([^"'&\s,;}<]+)""")
_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization")
_MIN_COMPACT = 32  # only keys and long secrets are compared without whitespace


def _is_placeholder(value: str) -> bool:
    text = value.strip()
    return not text or (text.startswith("<") and text.endswith(">")) or \
        text.upper() in ("REDACTED", "FILTERED", "DUMMY") or set(text) <= {"*", "x", "X"} or \
        text.startswith("sha256:")


def _basic(value: str) -> str | None:
    """The client id behind Basic credentials still readable in ``value``: any that decode to
    ``id:secret`` count, however short the secret (test secrets are short too), padded or
    not, after a space or a tab."""
    match = _BASIC.match(value)
    if match is None:
        return None
    encoded = match.group(1).translate(str.maketrans("-_", "+/"))
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        client_id, sep, secret = decoded.decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return client_id if sep and secret and not _is_placeholder(secret) else None


def _texts(interaction: Interaction) -> Iterator[tuple[str, str]]:
    parts = urlsplit(interaction.uri)
    yield "URL", f"{parts.netloc}{parts.path}"
    yield "query string", parts.query
    request_body = decoded_body(interaction.request_body,
                                interaction.request_headers.get("content-encoding"))
    yield "request body", request_body.decode("utf-8", "replace")
    yield "response body", interaction.response_content.decode("utf-8", "replace")
    for side, headers in (("request", interaction.request_headers),
                          ("response", interaction.response_headers)):
        for name, value in headers.items:
            yield f"{side} header {name}", value


def raw_tokens_in(interaction: Interaction) -> set[str]:
    """Unscrubbed tokens the interaction sends or receives."""
    found = {v.strip() for v in interaction.request_headers.all(ACCESS_TOKEN) if not is_scrubbed(v)}
    for text in readings(interaction.response_content.decode("utf-8", "replace")):
        for match in _TOKEN_IN_BODY.finditer(text):
            token = (match.group(1) or match.group(2) or "").strip()
            if not is_scrubbed(token):
                found.add(token)
    return found


def _credentials(interaction: Interaction) -> Iterator[tuple[str, str]]:
    for side, headers in (("request", interaction.request_headers),
                          ("response", interaction.response_headers)):
        for name, value in headers.items:
            client = _basic(value) if name.lower() in _CREDENTIAL_HEADERS else None
            if client is not None:
                yield f"{side} header {name}", f"Basic credentials of client {client!r}"
            elif name.lower() == ACCESS_TOKEN.lower() and not is_scrubbed(value):
                yield f"{side} header {name}", f"a raw access token ({fingerprint(value.strip())})"
    password = urlsplit(interaction.uri).password
    if password and not _is_placeholder(password):
        yield "URL", "credentials in the URL's user info"


def _needles(known: Iterable[str]) -> list[tuple[str, str, bool]]:
    """(text to find, what it is, compare without whitespace)."""
    needles = []
    for secret in known:
        what = f"a known client secret or key ({fingerprint(secret)})"
        needles.append((secret, what, len(secret) >= _MIN_COMPACT))
        needles.extend((core, what + " in base64", False) for core in base64_cores(secret))
    return needles


def secrets_in(interaction: Interaction, known: tuple[str, ...],
               tokens: Iterable[str] = ()) -> Iterator[tuple[str, str]]:
    """(place, what) for every secret in sight, each once. ``tokens`` are raw tokens seen
    anywhere in the cassette: each is a finding wherever it turns up again."""
    seen: set[tuple[str, str]] = set()
    credential_places: set[str] = set()
    for finding in _credentials(interaction):
        seen.add(finding)
        credential_places.add(finding[0])
        yield finding
    needles = _needles(k for k in known if k) + \
        [(t, f"a raw access token ({fingerprint(t)})", False) for t in tokens]
    for place, text in _texts(interaction):
        for finding in _found(place, text, needles):
            # Basic credentials hold the secret in base64: one finding for them is enough.
            repeated = place in credential_places and finding[1].endswith(" in base64")
            if finding not in seen and not repeated:
                seen.add(finding)
                yield finding


def _found(place: str, text: str, needles: list[tuple[str, str, bool]]) -> Iterator[tuple[str, str]]:
    variants = readings(text)
    compacted = [compact(v) for v in variants]
    if any(_PEM.search(v) or _BARE_KEY.search(v) for v in variants + compacted):
        yield place, "a private key"
    for variant in variants:
        for token in _JWE.findall(variant):
            yield place, f"a raw access token ({fingerprint(token)})"
        for match in _FIELD.finditer(variant):
            name, value = match.group(1).lower(), match.group(2)
            if name == "client_secret" and not _is_placeholder(value):
                yield place, "a client_secret field"
            elif name == "access_token" and not is_scrubbed(value):
                yield place, f"a raw access token ({fingerprint(value)})"
    for needle, what, loosely in needles:
        if any(needle in v for v in variants) or \
                (loosely and any(compact(needle) in c for c in compacted)):
            yield place, what

"""Where secrets hide in a recorded interaction: Basic credentials, raw tokens, private keys
(PEM or bare base64 PKCS#8), and the client secrets the caller names - in request and
response headers, the query string, and both bodies."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from migrate.verify.cassette import Headers, Interaction
from migrate.verify.tokens import is_scrubbed, is_token_request
from shim._secrets import _BARE_KEY, _PEM, fingerprint
from shim._wire import ACCESS_TOKEN

__all__ = ["secrets_in"]

_TOKEN_IN_BODY = re.compile(rb'"access_token"\s*:\s*"([^"]*)"|<accessToken>([^<]*)</accessToken>')


def _basic(value: str) -> str | None:
    """The client id behind Basic credentials still readable in ``value``: any that decode to
    ``id:secret`` count, however short the secret (test secrets are short too)."""
    if not value.lower().startswith("basic "):
        return None
    encoded = value[6:].strip()
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return client_id if sep and secret else None


def _texts(interaction: Interaction) -> Iterator[tuple[str, str]]:
    yield "query string", interaction.query
    yield "request body", interaction.request_body.decode("utf-8", "replace")
    yield "response body", interaction.response_body.decode("utf-8", "replace")
    for side, headers in (("request", interaction.request_headers),
                          ("response", interaction.response_headers)):
        for name, value in headers.items:
            yield f"{side} header {name}", value


def _headers(interaction: Interaction) -> Iterator[tuple[str, Headers]]:
    yield "request", interaction.request_headers
    yield "response", interaction.response_headers


def secrets_in(interaction: Interaction, known: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(place, what) for every secret in sight."""
    for side, headers in _headers(interaction):
        for value in headers.all("authorization"):
            client = _basic(value)
            if client is not None:
                yield f"{side} header Authorization", f"Basic credentials of client {client!r}"
        for value in headers.all(ACCESS_TOKEN):
            if not is_scrubbed(value):
                yield f"{side} header {ACCESS_TOKEN}", f"a raw access token ({fingerprint(value)})"
    if is_token_request(interaction):
        for match in _TOKEN_IN_BODY.finditer(interaction.response_body):
            token = (match.group(1) or match.group(2) or b"").decode("utf-8", "replace")
            if not is_scrubbed(token):
                yield "response body", f"a raw access token ({fingerprint(token)})"
    for place, text in _texts(interaction):
        if _PEM.search(text) or _BARE_KEY.search(text):
            yield place, "a private key"
        for secret in known:
            if secret and secret in text:
                yield place, f"a known client secret or key ({fingerprint(secret)})"

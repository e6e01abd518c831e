"""Tokens as cassettes hold them: issued by /v3/token answers, sent in WM_SEC.ACCESS_TOKEN,
raw or scrubbed (a placeholder, or a fingerprint) - compared by fingerprint either way."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from migrate.verify.cassette import Cassette, Interaction
from shim._secrets import fingerprint
from shim._token import parse_token_answer
from shim._wire import TOKEN_PATH
from shim.errors import TokenResponseError

__all__ = ["IssuedToken", "is_scrubbed", "issued_tokens", "same_token", "token_fingerprint"]

_FINGERPRINT = re.compile(r"sha256:[0-9a-f]{8}")


def is_scrubbed(value: str) -> bool:
    """A placeholder (``<WALMART-TOKEN-1>``, ``***``, ``REDACTED``) or a fingerprint."""
    text = value.strip()
    if not text or _FINGERPRINT.fullmatch(text):
        return True
    if text.startswith("<") and text.endswith(">"):
        return True
    return len(text) < 24 or text.upper() in ("REDACTED", "FILTERED", "DUMMY") or set(text) <= {"*", "x", "X"}


def token_fingerprint(value: str) -> str:
    text = value.strip()
    return text if is_scrubbed(text) else fingerprint(text)


def same_token(sent: str, issued: str) -> bool:
    return token_fingerprint(sent) == token_fingerprint(issued)


@dataclass(frozen=True)
class IssuedToken:
    index: int  # the interaction that issued it
    value: str
    expires_in: float
    issued_at: float | None


def is_token_request(interaction: Interaction) -> bool:
    return interaction.path.rstrip("/").lower() == TOKEN_PATH


def issued_tokens(cassette: Cassette) -> list[IssuedToken]:
    found = []
    for interaction in cassette.interactions:
        if not is_token_request(interaction) or not 200 <= interaction.status < 300:
            continue
        try:
            token = parse_token_answer(interaction.response_content,
                                       interaction.response_headers.get("content-type") or "",
                                       0.0, interaction.uri)
            expires_in = float(token.expires_in)
        # A recorded answer is data, not a live token: whatever makes it unreadable (a
        # 400-digit expires_in, JSON nested past the recursion limit) means "issued nothing".
        except (TokenResponseError, ValueError, OverflowError, RecursionError):
            continue
        if not math.isfinite(expires_in):
            continue
        found.append(IssuedToken(interaction.index, token.value, expires_in, interaction.when))
    return found

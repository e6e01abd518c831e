"""An access token, when to refresh it, and how to read it from the token endpoint's answer."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import NamedTuple

from shim._secrets import fingerprint, remember_token
from shim.errors import TokenResponseError

__all__ = ["AccessToken", "lead_times", "parse_token_answer"]


def lead_times(lifetime: float) -> tuple[float, float]:
    """(soft, hard) lead before expiry. Soft: min(60 s, 10% of the lifetime), so a short-lived
    token is never born expired; hard: a quarter of that, margin for a request in flight."""
    soft = min(60.0, 0.1 * lifetime)
    return soft, soft / 4.0


@dataclass(frozen=True)
class AccessToken:
    """A token and its monotonic-clock deadlines."""

    value: str = field(repr=False)
    expires_in: float
    obtained_at: float
    token_type: str = "Bearer"

    @property
    def expires_at(self) -> float:
        return self.obtained_at + self.expires_in

    @property
    def soft_at(self) -> float:
        """From here one caller refreshes while the others keep using this token."""
        return self.expires_at - lead_times(self.expires_in)[0]

    @property
    def hard_at(self) -> float:
        """From here every caller waits for a new token."""
        return self.expires_at - lead_times(self.expires_in)[1]

    def __repr__(self) -> str:
        return f"AccessToken({fingerprint(self.value)}, expires_in={self.expires_in:g})"

    __str__ = __repr__


# A Walmart token lives 900 s. A lifetime beyond a day is a broken or hostile answer, and one
# below a second would mean a token request on every call.
MIN_LIFETIME, MAX_LIFETIME = 1.0, 86400.0
# A Walmart token is a JWE of about 1 KB; gateways refuse header lines much longer than 8 KB.
MAX_TOKEN_LENGTH = 8192
# Visible ASCII only: a token goes into a header line, where CR/LF would split the request and
# anything outside ASCII fails at the call, far from the cause.
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")


class _Answer(NamedTuple):
    value: object
    expires_in: object
    token_type: str
    token_field: str
    lifetime_field: str


def _from_json(body: bytes) -> _Answer | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    return _Answer(data.get("access_token"), data.get("expires_in"),
                   str(data.get("token_type") or "Bearer"), "access_token", "expires_in")


def _from_xml(body: bytes) -> _Answer | None:
    try:
        root = ET.fromstring(body)  # noqa: S314 - see the import
    except ET.ParseError:
        return None
    # Tolerate a namespace on OAuthTokenDTO and its children.
    found = {el.tag.rsplit("}", 1)[-1]: (el.text or "").strip() for el in root.iter()}
    if "accessToken" not in found:
        return None
    return _Answer(found.get("accessToken", ""), found.get("expiresIn"),
                   found.get("tokenType") or "Bearer", "accessToken", "expiresIn")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"


def _lifetime(raw: object, field_name: str, token_url: str) -> float:
    """Seconds from a JSON number or a decimal string; never bool, NaN, infinity or absurd."""
    lifetime: float | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        # Compared as an int first: float() of a 400-digit number raises OverflowError.
        lifetime = float(raw) if abs(raw) <= 10 * MAX_LIFETIME else math.inf
    elif isinstance(raw, float):
        lifetime = raw
    elif isinstance(raw, str) and re.fullmatch(r"\s*\d{1,9}(\.\d{1,6})?\s*", raw):
        lifetime = float(raw)
    if lifetime is None or not math.isfinite(lifetime) or \
            not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
        if isinstance(lifetime, float) and math.isfinite(lifetime) and lifetime <= 0:
            why = "the token is already expired"
        else:
            why = f"a lifetime in seconds between {MIN_LIFETIME:g} and {MAX_LIFETIME:g} is expected"
        raise TokenResponseError(f"{token_url} answered a token with an unusable {field_name} "
                                 f"({_shown(raw)}): {why}", token_url=token_url)
    return lifetime


def _token_value(raw: object, field_name: str, token_url: str) -> str:
    """The token as it will go into WM_SEC.ACCESS_TOKEN. Messages never quote it."""
    value = raw.strip() if isinstance(raw, str) else ""
    problem = ""
    if not value:
        problem = "is missing or empty"
    elif len(value) > MAX_TOKEN_LENGTH:
        problem = f"is {len(value)} characters long, more than the {MAX_TOKEN_LENGTH} a token can be"
    elif not _TOKEN_CHARS.fullmatch(value):
        bad = next(c for c in value if not "\x21" <= c <= "\x7e")
        kind = "a line break" if bad in "\r\n" else "whitespace" if bad.isspace() else \
            "a non-ASCII character" if ord(bad) > 127 else "a control character"
        problem = f"contains {kind} at position {value.index(bad)}, so it cannot be sent in a header"
    if problem:
        raise TokenResponseError(f"{token_url} answered a token whose {field_name} {problem}",
                                 token_url=token_url)
    return value


def parse_token_answer(body: bytes, content_type: str, obtained_at: float,
                       token_url: str) -> AccessToken:
    """Read JSON or XML (whichever the body is, whatever the header says), and refuse an
    answer that could not work as a token: a ``TokenResponseError`` names the field."""
    first = body.lstrip()[:1]
    parsers = (_from_xml, _from_json) if first == b"<" or "xml" in content_type else (_from_json, _from_xml)
    parsed = parsers[0](body) or parsers[1](body)
    if parsed is None:
        raise TokenResponseError(
            f"{token_url} answered 2xx but the body is neither token JSON nor OAuthTokenDTO XML "
            f"({len(body)} bytes of {content_type or 'no content type'}); a proxy may be in the way",
            token_url=token_url,
        )
    value = _token_value(parsed.value, parsed.token_field, token_url)
    lifetime = _lifetime(parsed.expires_in, parsed.lifetime_field, token_url)
    remember_token(value, lifetime)
    return AccessToken(value, lifetime, obtained_at, parsed.token_type[:64])

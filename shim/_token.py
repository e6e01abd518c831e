"""An access token, when to refresh it, and how to read it from the token endpoint's answer."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from shim._secrets import fingerprint, remember_secret
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


def _from_json(body: bytes) -> tuple[str, object, str] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    value, expires_in = data.get("access_token"), data.get("expires_in")
    return (value if isinstance(value, str) else ""), expires_in, str(data.get("token_type") or "Bearer")


def _from_xml(body: bytes) -> tuple[str, object, str] | None:
    try:
        root = ET.fromstring(body)  # noqa: S314 - see the import
    except ET.ParseError:
        return None
    # Tolerate a namespace on OAuthTokenDTO and its children.
    found = {el.tag.rsplit("}", 1)[-1]: (el.text or "").strip() for el in root.iter()}
    if "accessToken" not in found:
        return None
    return found.get("accessToken", ""), found.get("expiresIn"), found.get("tokenType") or "Bearer"


def parse_token_answer(body: bytes, content_type: str, obtained_at: float,
                       token_url: str) -> AccessToken:
    """Read JSON or XML (whichever the body is, whatever the header says)."""
    first = body.lstrip()[:1]
    parsers = (_from_xml, _from_json) if first == b"<" or "xml" in content_type else (_from_json, _from_xml)
    parsed = parsers[0](body) or parsers[1](body)
    if parsed is None:
        raise TokenResponseError(
            f"{token_url} answered 2xx but the body is neither token JSON nor OAuthTokenDTO XML "
            f"({len(body)} bytes of {content_type or 'no content type'}); a proxy may be in the way",
            token_url=token_url,
        )
    value, expires_in, token_type = parsed
    if not isinstance(value, str) or not value.strip():
        raise TokenResponseError(f"{token_url} answered without an access token", token_url=token_url)
    try:
        lifetime = float(expires_in)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TokenResponseError(
            f"{token_url} answered a token without a usable expires_in ({expires_in!r})",
            token_url=token_url,
        ) from None
    if lifetime <= 0:
        raise TokenResponseError(f"{token_url} answered a token that is already expired",
                                 token_url=token_url)
    remember_secret(value.strip())
    return AccessToken(value.strip(), lifetime, obtained_at, token_type)

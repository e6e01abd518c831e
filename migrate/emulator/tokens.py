"""The token endpoint's memory: every token issued, to whom, and until when."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field

__all__ = ["IssuedToken", "TokenStore", "new_token"]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_token() -> str:
    """An opaque token shaped like the gateway's JWE (five base64url parts), all random."""
    header = _b64url(json.dumps({"kid": secrets.token_hex(18), "enc": "A256GCM", "alg": "dir"},
                                separators=(",", ":")).encode())
    return ".".join([header, "", _b64url(secrets.token_bytes(12)),
                     _b64url(secrets.token_bytes(384)), _b64url(secrets.token_bytes(16))])


@dataclass
class IssuedToken:
    token: str = field(repr=False)
    client_name: str
    client_id: str
    issued_at: float
    expires_at: float
    channel_type: str | None = None

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


class TokenStore:
    """Not thread-safe on its own: the emulator calls it under its lock."""

    def __init__(self) -> None:
        self._by_token: dict[str, IssuedToken] = {}
        self.issued: list[IssuedToken] = []

    def issue(self, client_name: str, client_id: str, now: float, lifetime: float,
              channel_type: str | None) -> IssuedToken:
        issued = IssuedToken(new_token(), client_name, client_id, now, now + lifetime, channel_type)
        self._by_token[issued.token] = issued
        self.issued.append(issued)
        return issued

    def find(self, token: str) -> IssuedToken | None:
        return self._by_token.get(token)

    def clear(self) -> None:
        self._by_token.clear()
        self.issued.clear()

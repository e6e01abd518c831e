"""Every error the shim raises.

    WalmartAuthError                  base of them all
    +-- ConfigurationError            credentials or settings missing or malformed (no call made)
    +-- TokenError                    no token could be had
    |   +-- TokenRejectedError        the token endpoint refused the credentials (4xx)
    |   +-- TokenEndpointUnavailable  5xx, 429, timeouts or connection errors, after retries
    |   +-- TokenResponseError        the endpoint answered, but not with a token
    +-- ScopeError                    a call was refused with 403: the key lacks that category
    +-- BodyNotReplayableError        a refused call could not be retried: its body was a stream

Messages say what happened, where, and what to check next. They carry fingerprints of
credentials and tokens (see ``shim.fingerprint``), never the values themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BodyNotReplayableError",
    "ConfigurationError",
    "ErrorDetail",
    "ScopeError",
    "TokenEndpointUnavailable",
    "TokenError",
    "TokenRejectedError",
    "TokenResponseError",
    "WalmartAuthError",
]


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of a Walmart error body, whichever of the three containers carried it."""

    code: str
    message: str = ""
    field: str = ""
    category: str = ""
    severity: str = ""


class WalmartAuthError(Exception):
    """Base class for the shim's errors."""


class ConfigurationError(WalmartAuthError, ValueError):
    """Credentials or settings are missing or malformed; nothing was sent."""


class TokenError(WalmartAuthError):
    """No access token could be obtained."""

    def __init__(self, message: str, *, token_url: str = "", status: int | None = None,
                 details: tuple[ErrorDetail, ...] = ()) -> None:
        super().__init__(message)
        self.token_url = token_url
        self.status = status
        self.details = details


class TokenRejectedError(TokenError):
    """The token endpoint refused the request (400/401/403): retrying will not help."""

    def __init__(self, message: str, *, token_url: str = "", status: int | None = None,
                 details: tuple[ErrorDetail, ...] = (),
                 diagnoses: tuple[str, ...] = ()) -> None:
        super().__init__(message, token_url=token_url, status=status, details=details)
        self.diagnoses = diagnoses


class TokenEndpointUnavailable(TokenError):
    """The token endpoint kept failing (5xx, 429, timeouts, connection errors) after retries."""


class TokenResponseError(TokenError):
    """The token endpoint answered 2xx with something that is not a token."""


class ScopeError(WalmartAuthError):
    """A call was refused with 403 FORBIDDEN: the key has no (or read-only) access to a category."""

    def __init__(self, message: str, *, category: str, grant: str | None, method: str, url: str,
                 details: tuple[ErrorDetail, ...] = ()) -> None:
        super().__init__(message)
        self.category = category
        self.grant = grant
        self.method = method
        self.url = url
        self.details = details


class BodyNotReplayableError(WalmartAuthError):
    """The token was refused (401, or 400 INVALID_TOKEN) and the call was not retried with a
    new one, because its body was a stream already sent and not re-readable. ``response`` is
    the refusal; the next call gets a fresh token."""

    def __init__(self, message: str, *, method: str, url: str, status: int,
                 response: object = None) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.status = status
        self.response = response

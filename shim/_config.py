"""Settings: arguments first, then ``WALMART_*`` environment variables, then defaults.

Every variable, its values and its default are documented in one place: the README's
"Configuration" section (a test keeps it in step with ``_VARIABLES`` below).
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

from shim._secrets import fingerprint, remember_basic, remember_secret
from shim._wire import ENVIRONMENTS, TOKEN_PATH
from shim.errors import ConfigurationError

__all__ = ["DEFAULT_SVC_NAME", "Settings", "is_loopback", "parse_mode", "refuse_clear_text",
           "resolve_base_url"]

DEFAULT_SVC_NAME = "Walmart Marketplace"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def resolve_base_url(environment: str) -> str:
    """``production``/``sandbox``/``supplier`` or an http(s) base URL, without a trailing slash."""
    named = ENVIRONMENTS.get(environment.strip().lower())
    if named:
        return named
    if environment.startswith(("https://", "http://")):
        base = environment.rstrip("/")
        # The token URL given for the environment is its base URL, not a prefix of it.
        return base[:-len(TOKEN_PATH)] if base.endswith(TOKEN_PATH) else base
    raise ConfigurationError(
        f"unknown Walmart environment {environment!r}: use production, sandbox, supplier "
        "or a base URL such as https://marketplace.walmartapis.com"
    )


def is_loopback(host: str) -> bool:
    """Loopback by its literal name or address only: a DNS answer could change under us."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def refuse_clear_text(base_url: str, allowed: bool) -> None:
    """The token request carries the client secret as Basic credentials: over plain http to
    another machine anyone on the path can read it. Loopback (the emulator) is fine."""
    parts = urlsplit(base_url)
    if parts.scheme != "http" or allowed or is_loopback(parts.hostname or ""):
        return
    raise ConfigurationError(
        f"WALMART_ENV={base_url!r} would send the client secret in clear text over plain http; "
        "use https, or set WALMART_ALLOW_INSECURE_HTTP=1 if this host is a stand-in you trust"
    )


def parse_mode(value: str) -> tuple[str, float]:
    """``oauth`` -> ("oauth", 100); ``legacy`` -> ("legacy", 0); ``canary:25`` -> ("canary", 25)."""
    text = value.strip().lower()
    if text == "oauth":
        return "oauth", 100.0
    if text == "legacy":
        return "legacy", 0.0
    if text.startswith("canary:"):
        try:
            share = float(text.split(":", 1)[1].rstrip("%"))
        except ValueError:
            share = -1.0
        if 0.0 <= share <= 100.0:
            return "canary", share
    raise ConfigurationError(
        f"WALMART_AUTH_MODE={value!r} is not valid: use oauth, legacy or canary:<0-100>"
    )


def _flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(f"{name}={value!r} is not valid: use 1/0, true/false, yes/no")


@dataclass(frozen=True)
class Settings:
    client_id: Optional[str] = None
    client_secret: Optional[str] = field(default=None, repr=False)
    environment: str = "production"
    svc_name: str = DEFAULT_SVC_NAME
    channel_type: Optional[str] = None
    market: Optional[str] = None
    send_basic_auth: bool = False
    mode: str = "oauth"
    legacy_fallback: bool = False
    consumer_id: Optional[str] = None
    private_key: Optional[str] = field(default=None, repr=False)
    token_timeout: float = 10.0
    token_attempts: int = 4
    # Everything one token acquisition may take: attempts, slow answers, Retry-After waits.
    token_deadline: float = 30.0
    allow_insecure_http: bool = False

    def __post_init__(self) -> None:
        parse_mode(self.mode)
        refuse_clear_text(resolve_base_url(self.environment), self.allow_insecure_http)
        # NaN compares false with everything, so "<= 0" alone would let it through.
        if not (math.isfinite(self.token_timeout) and self.token_timeout > 0):
            raise ConfigurationError("the token timeout must be a positive number of seconds")
        if not (math.isfinite(self.token_deadline) and self.token_deadline > 0):
            raise ConfigurationError("the token deadline must be a positive number of seconds")
        # However settings were made, the log filter must know their secrets from here on.
        remember_secret(self.client_secret)
        remember_secret(self.private_key)
        remember_basic(self.client_id, self.client_secret)
        if self.token_attempts < 1:
            raise ConfigurationError("token attempts must be at least 1")

    @classmethod
    def resolve(cls, environ: Mapping[str, str] | None = None, **arguments: object) -> Settings:
        """Arguments that are not None win; then WALMART_* variables; then defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, variable in _VARIABLES.items():
            given = arguments.get(name)
            if given is not None:
                values[name] = given
            elif env.get(variable) not in (None, ""):
                values[name] = _convert(name, variable, env[variable])
        unknown = set(arguments) - set(_VARIABLES)
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)  # type: ignore[arg-type]

    @property
    def base_url(self) -> str:
        return resolve_base_url(self.environment)

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    def require_oauth(self) -> tuple[str, str]:
        if not self.client_id or not self.client_secret:
            missing = " and ".join(
                n for n, v in (("client id", self.client_id), ("client secret", self.client_secret))
                if not v
            )
            raise ConfigurationError(
                f"no OAuth {missing}: pass it, or set WALMART_CLIENT_ID / WALMART_CLIENT_SECRET "
                "(Developer Portal > Production Keys or Sandbox Keys)"
            )
        return self.client_id, self.client_secret

    def describe(self) -> str:
        return (f"client_id={self.client_id!r}, secret={fingerprint(self.client_secret)}, "
                f"environment={self.environment!r}")


def _convert(name: str, variable: str, raw: str) -> object:
    if name in ("send_basic_auth", "legacy_fallback", "allow_insecure_http"):
        return _flag(variable, raw)
    if name in ("token_timeout", "token_deadline"):
        try:
            return float(raw)
        except ValueError:
            raise ConfigurationError(f"{variable}={raw!r} is not a number of seconds") from None
    if name == "token_attempts":
        try:
            return int(raw)
        except ValueError:
            raise ConfigurationError(f"{variable}={raw!r} is not a whole number") from None
    return raw


_VARIABLES = {
    "client_id": "WALMART_CLIENT_ID",
    "client_secret": "WALMART_CLIENT_SECRET",
    "environment": "WALMART_ENV",
    "svc_name": "WALMART_SVC_NAME",
    "channel_type": "WALMART_CHANNEL_TYPE",
    "market": "WALMART_MARKET",
    "send_basic_auth": "WALMART_SEND_BASIC_AUTH",
    "mode": "WALMART_AUTH_MODE",
    "legacy_fallback": "WALMART_LEGACY_FALLBACK",
    "consumer_id": "WALMART_CONSUMER_ID",
    "private_key": "WALMART_PRIVATE_KEY",
    "token_timeout": "WALMART_TOKEN_TIMEOUT",
    "token_attempts": "WALMART_TOKEN_ATTEMPTS",
    "token_deadline": "WALMART_TOKEN_DEADLINE",
    "allow_insecure_http": "WALMART_ALLOW_INSECURE_HTTP",
}

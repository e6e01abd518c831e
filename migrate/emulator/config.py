"""Who the emulator knows, and how it behaves: clients, lifetimes, windows, limits.

A config file is TOML or JSON with the same shape:

    token_lifetime = 900          # seconds; as low as 1 for expiry tests
    signature_max_age = 300       # seconds a legacy timestamp stays valid (either direction)

    [[clients]]
    name = "acme"
    client_id = "..."             # OAuth credentials (omit for a legacy-only client)
    client_secret = "..."
    consumer_id = "..."           # legacy credentials (omit for an OAuth-only client)
    public_key = "keys/acme.pub"  # PEM or base64 DER, inline or a path relative to the file
    auth = "both"                 # legacy | oauth | both (default: what the credentials allow)
    solution_provider = false     # Solution Provider keys start with no access
    channel_type = "..."          # checked by /v3/token/detail's is_channel_match
    [clients.scopes]
    orders = "view_only"
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.emulator.checks import TEN_YEARS, integer, seconds, text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "CATEGORIES",
    "GRANTS",
    "ClientConfig",
    "ConfigError",
    "EmulatorConfig",
    "load_config",
]

CATEGORIES = (
    "reports", "item", "shipping", "price", "lagtime", "feeds",
    "returns", "orders", "rules", "inventory", "content",
)
GRANTS = ("full_access", "view_only", "no_access")
AUTH_MODES = ("legacy", "oauth", "both")


class ConfigError(ValueError):
    """The emulator's configuration is unusable; the message names the place."""


@dataclass
class ClientConfig:
    """One Partner key as the gateway knows it."""

    name: str = "seller"
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    consumer_id: str | None = None
    public_key: str | None = field(default=None, repr=False)
    auth: str = ""
    solution_provider: bool = False
    channel_type: str | None = None
    scopes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            text("name", self.name)
            for setting in ("client_id", "client_secret", "consumer_id", "public_key",
                            "channel_type"):
                text(setting, getattr(self, setting), optional=True)
            text("auth", self.auth)
            if not isinstance(self.solution_provider, bool):
                raise ValueError(f"solution_provider must be true or false, not "
                                 f"{self.solution_provider!r}")
            if not isinstance(self.scopes, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in self.scopes.items()):
                raise ValueError("scopes must map category names to grants")
        except ValueError as exc:
            raise ConfigError(f"client {self.name!r}: {exc}") from None
        if not self.auth:
            has_oauth = bool(self.client_id and self.client_secret)
            has_legacy = bool(self.consumer_id and self.public_key)
            self.auth = "both" if has_oauth and has_legacy else ("legacy" if has_legacy else "oauth")
        if self.auth not in AUTH_MODES:
            raise ConfigError(f"client {self.name!r}: auth must be one of {', '.join(AUTH_MODES)}")
        if self.auth in ("oauth", "both") and not (self.client_id and self.client_secret):
            raise ConfigError(f"client {self.name!r}: OAuth needs client_id and client_secret")
        if self.auth in ("legacy", "both") and not (self.consumer_id and self.public_key):
            raise ConfigError(f"client {self.name!r}: legacy signing needs consumer_id and public_key")
        for category, grant in self.scopes.items():
            if grant not in GRANTS:
                raise ConfigError(
                    f"client {self.name!r}: scope {category!r} must be one of {', '.join(GRANTS)}"
                )

    @property
    def allows_oauth(self) -> bool:
        return self.auth in ("oauth", "both")

    @property
    def allows_legacy(self) -> bool:
        return self.auth in ("legacy", "both")

    def grant(self, category: str) -> str:
        """The grant for a category: explicit scopes first, then the key's default."""
        default = "no_access" if self.solution_provider else "full_access"
        return self.scopes.get(category, default)

    def scope_table(self) -> dict[str, str]:
        return {category: self.grant(category) for category in CATEGORIES}


@dataclass
class EmulatorConfig:
    clients: list[ClientConfig] = field(default_factory=list)
    token_lifetime: float = 900.0
    signature_max_age: float = 300.0
    # Throttling: each client gets this many calls per category, replenished every window.
    rate_limit: int = 10_000
    rate_window: float = 60.0

    def __post_init__(self) -> None:
        try:
            seconds("token_lifetime", self.token_lifetime, low=1)
            seconds("signature_max_age", self.signature_max_age, low_open=True)
            integer("rate_limit", self.rate_limit, 1, 10**9)
            seconds("rate_window", self.rate_window, low_open=True, high=TEN_YEARS)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        seen: set[str] = set()
        for client in self.clients:
            for key in (client.client_id, client.consumer_id):
                if key and key in seen:
                    raise ConfigError(f"client {client.name!r}: id {key!r} is configured twice")
                if key:
                    seen.add(key)


_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]{64,}")


def _public_key_file(key: str, base: Path, where: str) -> str:
    """The key in the file ``key`` names (relative to the config file). A key written in
    the config itself (PEM, or bare base64 DER) is returned as it is."""
    if "BEGIN" in key or _BASE64.fullmatch(key.strip()):
        return key
    path = base / key.strip()
    try:
        return path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise ConfigError(f"{where}: public_key file {path} does not exist; give a path "
                          "relative to the config file, or the key itself as PEM") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not ASCII text"
        raise ConfigError(f"{where}: cannot read the public_key file {path} ({reason})") from None


def _check_public_key(key: str, where: str) -> None:
    from shim._legacy import load_public_key
    from shim.errors import ConfigurationError

    try:
        load_public_key(key)
    except ConfigurationError as exc:
        raise ConfigError(f"{where}: {exc}; export the RSA public key as PEM") from None


def _client_from(raw: dict[str, Any], base: Path, index: int) -> ClientConfig:
    raw = dict(raw)
    key = raw.get("public_key")
    if isinstance(key, str):
        where = f"clients[{index}] ({raw.get('name', 'seller')})"
        raw["public_key"] = _public_key_file(key, base, where)
        _check_public_key(raw["public_key"], where)
    known = set(ClientConfig.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"clients[{index}]: unknown setting(s) {', '.join(unknown)}")
    return ClientConfig(**raw)


def load_config(path: str | Path) -> EmulatorConfig:
    """Read a TOML or JSON config file; errors name the file and the setting."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a table/object")
    clients_raw = data.pop("clients", [])
    known = set(EmulatorConfig.__dataclass_fields__) - {"clients"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    try:
        clients = [_client_from(c, path.parent, i) for i, c in enumerate(clients_raw)]
        return EmulatorConfig(clients=clients, **data)
    except (ConfigError, TypeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc

"""Header names the codemods look for, and how credential names change under OAuth."""

from __future__ import annotations

import re

from shim._wire import (
    ACCESS_TOKEN,
    AUTH_SIGNATURE,
    CONSUMER_ID,
    INTIMESTAMP,
    KEY_VERSION,
    TENANT_ID,
    TIMESTAMP,
)

__all__ = [
    "ACCESS_TOKEN",
    "AUTH_SIGNATURE",
    "CONSUMER_ID",
    "DEFAULT_RENAMES",
    "INTIMESTAMP",
    "KEY_VERSION",
    "LEGACY",
    "LOOKALIKE",
    "MARKERS",
    "TENANT_ID",
    "TIMESTAMP",
    "rename_identifier",
]

LEGACY = frozenset({CONSUMER_ID, TIMESTAMP, AUTH_SIGNATURE})
LOOKALIKE = frozenset({INTIMESTAMP, KEY_VERSION, TENANT_ID})

# A file without one of these is never parsed: the header names, the jar, the rollout call,
# and the RSA signing calls a helper in another module is written with.
MARKERS = (
    b"WM_SEC.AUTH_SIGNATURE",
    b"WM_CONSUMER.ID",
    b"WM_SEC.TIMESTAMP",
    b"DigitalSignatureUtil",
    b"auth_headers(",
    b"PKCS1v15",
    b"PKCS1_v1_5",
    b"pkcs1_15",
    b"RSASigner",
    b"rsa.sign(",
    b"hmac.new(",
    b"WM_SEC.ACCESS_TOKEN",  # already migrated code is reported as such
)

# Substring renames, applied to identifiers and environment-variable names that carried
# legacy credentials. Longest first; case forms are listed explicitly.
DEFAULT_RENAMES: tuple[tuple[str, str], ...] = (
    ("CONSUMER_ID", "CLIENT_ID"),
    ("consumer_id", "client_id"),
    ("ConsumerId", "ClientId"),
    ("consumerId", "clientId"),
    ("ConsumerID", "ClientID"),
    ("consumerID", "clientID"),
    ("PRIVATE_KEY", "CLIENT_SECRET"),
    ("private_key", "client_secret"),
    ("PrivateKey", "ClientSecret"),
    ("privateKey", "clientSecret"),
)


def rename_identifier(name: str, exact: dict[str, str]) -> str:
    """The OAuth name for a legacy credential name; unchanged when no rule applies.

    Exact renames from the project's configuration win over the default substring rules.
    """
    if name in exact:
        return exact[name]
    for old, new in DEFAULT_RENAMES:
        if old in name:
            return name.replace(old, new)
    return name


def is_identifier(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text))

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
    "SIGNING_MARKERS",
    "TENANT_ID",
    "TIMESTAMP",
    "rename_identifier",
]

LEGACY = frozenset({CONSUMER_ID, TIMESTAMP, AUTH_SIGNATURE})
LOOKALIKE = frozenset({INTIMESTAMP, KEY_VERSION, TENANT_ID})

# A Walmart file has one of these, and is always parsed: the header names, the jar, the
# rollout call.
MARKERS = (
    b"WM_SEC.AUTH_SIGNATURE",
    b"WM_CONSUMER.ID",
    b"WM_SEC.TIMESTAMP",
    # Header names are case-insensitive on the wire, and some code writes them so.
    b"wm_sec.auth_signature",
    b"wm_consumer.id",
    b"wm_sec.timestamp",
    b"DigitalSignatureUtil",
    b"auth_headers(",
    b"WM_SEC.ACCESS_TOKEN",  # already migrated code is reported as such
)

# The RSA and HMAC signing calls a helper in another module is written with. A file with
# only these is parsed when it and a Walmart file import one another: a repository's
# webhook verification (hmac.new) or unrelated signing is never read for nothing.
SIGNING_MARKERS = (
    b"PKCS1v15",
    b"PKCS1_v1_5",
    b"pkcs1_15",
    b"RSASigner",
    b"rsa.sign(",
    b"sign_hash(",  # rsa.sign_hash(rsa.compute_hash(...)), under any alias
    b"import rsa",  # the rsa package, however its calls are then spelled
    b"from rsa import",
    b"hmac.new(",
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

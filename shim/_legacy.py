"""Legacy Marketplace signing (spec section 1), for the rollout switch and the emulator.

Needs the ``legacy`` extra (cryptography); importing this module without it raises
an ``ImportError`` that says which extra to install.
"""

from __future__ import annotations

import base64
import binascii
import time
from functools import lru_cache
from typing import Any

from shim._wire import AUTH_SIGNATURE, CONSUMER_ID, TIMESTAMP, string_to_sign
from shim.errors import ConfigurationError

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "legacy signing needs cryptography: pip install 'walmart-migrate[legacy]'"
    ) from exc

__all__ = [
    "cached_private_key",
    "legacy_headers",
    "load_private_key",
    "load_public_key",
    "sign",
    "verify",
]

_PEM_PRIVATE = b"-----BEGIN"


def load_private_key(private_key: str | bytes) -> rsa.RSAPrivateKey:
    """Load a Walmart private key given as bare base64 PKCS#8 (as issued) or as PEM."""
    data = private_key.encode("ascii", "replace") if isinstance(private_key, str) else private_key
    data = data.strip()
    try:
        if data.startswith(_PEM_PRIVATE):
            key: Any = serialization.load_pem_private_key(data, password=None)
        else:
            der = base64.b64decode(b"".join(data.split()), validate=True)
            key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ConfigurationError(
            "the private key is neither bare base64 PKCS#8 nor PEM; "
            "paste the key exactly as the Developer Portal issued it"
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError("the private key is not an RSA key; Walmart keys are RSA")
    return key


@lru_cache(maxsize=16)
def cached_private_key(private_key: str) -> rsa.RSAPrivateKey:
    """Parse a key once per process: the rollout switch signs on every call."""
    return load_private_key(private_key)


def load_public_key(public_key: str | bytes) -> rsa.RSAPublicKey:
    """Load an RSA public key as PEM or bare base64 SubjectPublicKeyInfo DER."""
    data = public_key.encode("ascii", "replace") if isinstance(public_key, str) else public_key
    data = data.strip()
    try:
        if data.startswith(b"-----BEGIN"):
            key: Any = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(base64.b64decode(b"".join(data.split())))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ConfigurationError("the public key is neither PEM nor base64 DER") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigurationError("the public key is not an RSA key")
    return key


def sign(
    consumer_id: str,
    private_key: str | bytes | rsa.RSAPrivateKey,
    url: str,
    method: str,
    timestamp: str,
) -> str:
    """SHA256withRSA over the legacy string to sign, as padded standard base64."""
    key = private_key if isinstance(private_key, rsa.RSAPrivateKey) else load_private_key(private_key)
    text = string_to_sign(consumer_id, url, method, timestamp).encode("utf-8")
    signature = key.sign(text, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify(public_key: rsa.RSAPublicKey, signature: str, signed_text: bytes) -> bool:
    """True when ``signature`` (standard base64) is a valid SHA256withRSA over ``signed_text``."""
    from cryptography.exceptions import InvalidSignature

    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, signed_text, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def legacy_headers(
    consumer_id: str,
    private_key: str | bytes | rsa.RSAPrivateKey,
    url: str,
    method: str,
    timestamp: str | None = None,
) -> dict[str, str]:
    """The three legacy auth headers for one request; the timestamp defaults to now (epoch ms)."""
    ts = timestamp if timestamp is not None else str(int(time.time() * 1000))
    return {
        CONSUMER_ID: consumer_id,
        TIMESTAMP: ts,
        AUTH_SIGNATURE: sign(consumer_id, private_key, url, method, ts),
    }

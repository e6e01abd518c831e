"""Turn refusals into the answers sellers look for in Walmart's OAuth FAQ (spec section 6)."""

from __future__ import annotations

import base64
import binascii

from shim._wire import ENVIRONMENTS
from shim.errors import ErrorDetail

__all__ = ["forbidden_message", "looks_like_private_key", "token_rejection"]

# DER of AlgorithmIdentifier rsaEncryption, present near the start of every PKCS#8 RSA key.
_RSA_OID = bytes.fromhex("06092a864886f70d010101")

SOLUTION_PROVIDER_NOTE = (
    "keys a seller creates for a Solution Provider start with no access; the seller grants "
    "Full Access or View Only per category under delegated access in the Developer Portal"
)


def looks_like_private_key(secret: str) -> bool:
    """A legacy Private Key passed where a Client Secret belongs: PEM, or bare base64 PKCS#8."""
    text = secret.strip()
    if "PRIVATE KEY-----" in text:
        return True
    if len(text) < 200 or not text.startswith("MII"):
        return False
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return der[:1] == b"\x30" and _RSA_OID in der[:40]


def _environment_name(token_url: str) -> str:
    for name, base in ENVIRONMENTS.items():
        if token_url.startswith(base):
            return name
    return "custom"


def token_rejection(status: int, token_url: str, client_secret: str,
                    details: tuple[ErrorDetail, ...]) -> tuple[str, tuple[str, ...]]:
    """(one-line message, ordered things to check) for a 4xx from the token endpoint."""
    code = details[0].code if details else f"HTTP {status}"
    diagnoses: list[str] = []
    if looks_like_private_key(client_secret):
        diagnoses.append(
            "the client secret is shaped like a legacy Private Key: Client ID and Client Secret "
            "are new credentials from the Developer Portal (Production Keys / Sandbox Keys), "
            "not the Consumer ID and Private Key under new names"
        )
    if status == 401:
        diagnoses.append(
            "the credentials may have been reset by another user of the same Partner account; "
            "credentials are shared, so a reset stops everyone's old pair: fetch the current "
            "pair from the Developer Portal"
        )
        environment = _environment_name(token_url)
        if environment in ("production", "sandbox"):
            other = "sandbox" if environment == "production" else "production"
            diagnoses.append(
                f"these may be {other.title()} Keys sent to {environment}: sandbox and production "
                f"credentials only work in their own environment (set WALMART_ENV={other} if so)"
            )
    message = f"token request to {token_url} refused: {status} {code}"
    if diagnoses:
        message += "; check: " + "; ".join(f"({n}) {d}" for n, d in enumerate(diagnoses, 1))
    return message, tuple(diagnoses)


def forbidden_message(method: str, url: str, category: str, grant: str | None) -> str:
    where = f"{method} {url}"
    if grant is None:
        return (f"403 FORBIDDEN on {where}: the key lacks access to the {category!r} category "
                f"(its grant could not be read from /v3/token/detail); {SOLUTION_PROVIDER_NOTE}")
    if grant == "view_only":
        return (f"403 FORBIDDEN on {where}: the key has view_only for the {category!r} category, "
                f"so only GET is allowed; {SOLUTION_PROVIDER_NOTE}")
    if grant == "no_access":
        return (f"403 FORBIDDEN on {where}: the key has no_access for the {category!r} category; "
                f"{SOLUTION_PROVIDER_NOTE}")
    return (f"403 FORBIDDEN on {where}: /v3/token/detail reports {grant} for the {category!r} "
            "category, so the refusal is not about scope; check the channel type and the market")

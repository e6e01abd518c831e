"""Wire facts shared by everything that speaks to Walmart's gateway (spec sections 1-4)."""

from __future__ import annotations

__all__ = [
    "ACCEPT",
    "ACCESS_TOKEN",
    "AUTHORIZATION",
    "AUTH_SIGNATURE",
    "CHANNEL_TYPE",
    "CONSUMER_ID",
    "CORRELATION_ID",
    "ENVIRONMENTS",
    "INTIMESTAMP",
    "KEY_VERSION",
    "LEGACY_HEADERS",
    "MARKET",
    "SVC_NAME",
    "TENANT_ID",
    "TIMESTAMP",
    "TOKEN_PATH",
    "category_of",
    "string_to_sign",
]

SVC_NAME = "WM_SVC.NAME"
CORRELATION_ID = "WM_QOS.CORRELATION_ID"
ACCESS_TOKEN = "WM_SEC.ACCESS_TOKEN"
CHANNEL_TYPE = "WM_CONSUMER.CHANNEL.TYPE"
MARKET = "WM_MARKET"
AUTHORIZATION = "Authorization"
ACCEPT = "Accept"

# The legacy Marketplace signature headers: all three go away under OAuth.
CONSUMER_ID = "WM_CONSUMER.ID"
TIMESTAMP = "WM_SEC.TIMESTAMP"
AUTH_SIGNATURE = "WM_SEC.AUTH_SIGNATURE"
LEGACY_HEADERS = (CONSUMER_ID, TIMESTAMP, AUTH_SIGNATURE)

# Look-alike schemes (Walmart I/O affiliates, Canada) that keep signing.
INTIMESTAMP = "WM_CONSUMER.INTIMESTAMP"
KEY_VERSION = "WM_SEC.KEY_VERSION"
TENANT_ID = "WM_TENANT_ID"

TOKEN_PATH = "/v3/token"

ENVIRONMENTS = {
    "production": "https://marketplace.walmartapis.com",
    "sandbox": "https://sandbox.walmartapis.com",
    "supplier": "https://api-gateway.walmart.com",
}


def string_to_sign(consumer_id: str, url: str, method: str, timestamp: str) -> str:
    """The exact text the legacy scheme signs: four fields, each followed by a line feed."""
    return f"{consumer_id}\n{url}\n{method.upper()}\n{timestamp}\n"


_CATEGORY_ALIASES = {"items": "item", "prices": "price", "report": "reports", "order": "orders"}
MARKETS = ("ca", "mx", "cl")


def category_of(path: str) -> str:
    """The scope category of an API path: the first segment after /v3/ (spec section 5),
    skipping a market segment (/v3/ca/orders is ``orders``)."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if len(parts) >= 2 and parts[1] in MARKETS:
        parts = parts[:1] + parts[2:]
    segment = parts[1] if len(parts) >= 2 else ""
    return _CATEGORY_ALIASES.get(segment, segment)

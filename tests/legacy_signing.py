"""Legacy signing written out by hand from the spec, independent of the shim's code, so
tests can tell a wrong implementation from a right one."""

from __future__ import annotations

import base64
import time
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def now_ms() -> str:
    return str(int(time.time() * 1000))


def signature_over(key: rsa.RSAPrivateKey, text: str) -> str:
    raw = key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def signed_headers(key: rsa.RSAPrivateKey, consumer_id: str, url: str, method: str,
                   timestamp: str | None = None, text: str | None = None) -> dict[str, str]:
    """Headers of a legacy call; ``text`` overrides the signed string to test mistakes."""
    ts = timestamp or now_ms()
    signed = text if text is not None else f"{consumer_id}\n{url}\n{method}\n{ts}\n"
    return {
        "WM_SVC.NAME": "Walmart Marketplace",
        "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
        "WM_SEC.TIMESTAMP": ts,
        "WM_SEC.AUTH_SIGNATURE": signature_over(key, signed),
        "WM_CONSUMER.ID": consumer_id,
        "WM_CONSUMER.CHANNEL.TYPE": "0f3e4dd4-0514-4346-b39d-af0e00ea066d",
        "Accept": "application/json",
    }


def call_headers(token: str) -> dict[str, str]:
    return {
        "WM_SEC.ACCESS_TOKEN": token,
        "WM_SVC.NAME": "Walmart Marketplace",
        "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
        "Accept": "application/json",
    }


def token_request_headers() -> dict[str, str]:
    return {
        "WM_SVC.NAME": "Walmart Marketplace",
        "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
        "Accept": "application/json",
    }

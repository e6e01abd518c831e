"""``walmart-migrate demo``: the same order listing made the legacy way and the OAuth way,
against a local emulator on a real socket."""

from __future__ import annotations

import base64
import sys
import uuid
from typing import Callable

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from shim import _legacy

__all__ = ["run_demo"]

Say = Callable[[str], None]


def _demo_key() -> tuple[str, str]:
    """A fresh key pair: the private key as Walmart issued it (bare base64 PKCS#8)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode(), public.decode()


def _service_headers() -> dict[str, str]:
    return {"WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
            "Accept": "application/json"}


def run_demo(say: Say = print) -> int:
    private_key, public_key = _demo_key()
    seller = ClientConfig(name="demo-seller", client_id="demo-client-id",
                          client_secret=uuid.uuid4().hex, consumer_id=str(uuid.uuid4()),
                          public_key=public_key)
    assert seller.client_id and seller.client_secret and seller.consumer_id
    with EmulatorServer(Emulator(EmulatorConfig(clients=[seller]))) as server, \
            httpx.Client(base_url=server.url) as client:
        say(f"emulator: {server.url}")
        url = server.url + "/v3/orders?limit=2"
        legacy = _legacy.legacy_headers(seller.consumer_id, private_key, url, "GET")
        before = client.get(url, headers={**_service_headers(), **legacy})
        say(f"legacy signature  GET /v3/orders -> {before.status_code} "
            f"(headers: {', '.join(sorted(legacy))})")
        answer = client.post("/v3/token", auth=(seller.client_id, seller.client_secret),
                             data={"grant_type": "client_credentials"}, headers=_service_headers())
        token = answer.json()["access_token"]
        say(f"POST /v3/token -> {answer.status_code}, expires_in={answer.json()['expires_in']}")
        after = client.get(url, headers={**_service_headers(), "WM_SEC.ACCESS_TOKEN": token})
        say(f"OAuth token       GET /v3/orders -> {after.status_code} "
            "(headers: WM_SEC.ACCESS_TOKEN)")
        same = before.json() == after.json()
        say(f"same orders either way: {'yes' if same else 'NO'}")
    ok = before.status_code == after.status_code == 200 and same
    if not ok:
        print("walmart-migrate demo: the emulator did not answer both ways alike", file=sys.stderr)
    return 0 if ok else 1

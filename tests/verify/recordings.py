"""Cassettes recorded for real: VCR.py around real httpx and requests clients, talking to the
emulator on a loopback socket."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import requests
import vcr

from migrate.emulator import EmulatorServer
from tests.legacy_signing import signed_headers

CLIENT_ID = "verify-client-id"
CLIENT_SECRET = "verify-client-secret-0a1b2c3d4e5f"
CONSUMER_ID = "verify-consumer-id"


def service_headers() -> dict[str, str]:
    # The same service headers as tests.legacy_signing sends, so before/after compare alike.
    return {"WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
            "WM_CONSUMER.CHANNEL.TYPE": "0f3e4dd4-0514-4346-b39d-af0e00ea066d",
            "Accept": "application/json"}


def token(client: httpx.Client, url: str) -> str:
    answer = client.post(url + "/v3/token", auth=(CLIENT_ID, CLIENT_SECRET),
                         data={"grant_type": "client_credentials"}, headers=service_headers())
    return str(answer.json()["access_token"])


def record_migrated_httpx(path: Path, server: EmulatorServer, serializer: str = "yaml") -> Path:
    """A clean migrated session: a token, then two calls carrying it."""
    with vcr.use_cassette(str(path), serializer=serializer), httpx.Client() as client:
        issued = token(client, server.url)
        for call in ("/v3/orders?limit=2", "/v3/items"):
            client.get(server.url + call, headers={**service_headers(), "WM_SEC.ACCESS_TOKEN": issued})
    return path


def record_migrated_requests(path: Path, server: EmulatorServer, serializer: str = "json") -> Path:
    with vcr.use_cassette(str(path), serializer=serializer), requests.Session() as session:
        answer = session.post(server.url + "/v3/token", auth=(CLIENT_ID, CLIENT_SECRET),
                              data={"grant_type": "client_credentials"}, headers=service_headers(),
                              timeout=10)
        issued = answer.json()["access_token"]
        session.put(server.url + "/v3/inventory?sku=CAST-IRON-10", timeout=10,
                    json={"sku": "CAST-IRON-10", "quantity": {"unit": "EACH", "amount": 4}},
                    headers={**service_headers(), "WM_SEC.ACCESS_TOKEN": issued})
    return path


def record_legacy(path: Path, server: EmulatorServer, key: object) -> Path:
    """The same two calls as record_migrated_httpx, signed the legacy way."""
    with vcr.use_cassette(str(path)), httpx.Client() as client:
        for call in ("/v3/orders?limit=2", "/v3/items"):
            url = server.url + call
            client.get(url, headers=signed_headers(key, CONSUMER_ID, url, "GET"))  # type: ignore[arg-type]
    return path

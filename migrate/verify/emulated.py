"""Walmart's hosts answered by the local emulator over HTTPS, for the pytest plugin's
``walmart_emulator`` fixture: the seller's clients come from the environment, and the
process trusts the emulator's certificate authority while it runs."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from migrate.emulator.tls import make_authority
from migrate.verify.routing import route_hosts
from shim._legacy import load_private_key
from shim._wire import ENVIRONMENTS

__all__ = ["emulated_walmart"]


def _seller_from_environment() -> list[ClientConfig]:
    """WALMART_CLIENT_ID / WALMART_CLIENT_SECRET for OAuth, WALMART_CONSUMER_ID /
    WALMART_PRIVATE_KEY (its public half is registered) for legacy."""
    client_id, secret = os.environ.get("WALMART_CLIENT_ID"), os.environ.get("WALMART_CLIENT_SECRET")
    consumer_id, private_key = os.environ.get("WALMART_CONSUMER_ID"), os.environ.get("WALMART_PRIVATE_KEY")
    public_key = None
    if consumer_id and private_key:
        from cryptography.hazmat.primitives import serialization

        public_key = load_private_key(private_key).public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    if not ((client_id and secret) or public_key):
        return []
    return [ClientConfig(name="seller", client_id=client_id if secret else None,
                         client_secret=secret if client_id else None,
                         consumer_id=consumer_id if public_key else None, public_key=public_key)]


@contextmanager
def emulated_walmart(folder: Path, setenv: Callable[[str, str], None]) -> Iterator[Emulator]:
    """``setenv`` points the TLS bundle variables at a bundle written in ``folder``; the caller
    restores them."""
    authority = make_authority()
    system = Path(os.environ.get("SSL_CERT_FILE") or "/etc/ssl/certs/ca-certificates.crt")
    bundle = authority.bundle(folder / "ca-bundle.pem", system)
    for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        setenv(variable, str(bundle))
    hosts = frozenset(url.split("://", 1)[1] for url in ENVIRONMENTS.values())
    with EmulatorServer(Emulator(EmulatorConfig(clients=_seller_from_environment())),
                        tls=authority.server_context()) as server, route_hosts(hosts, server.port):
        yield server.emulator

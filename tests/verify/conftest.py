from __future__ import annotations

from collections.abc import Iterator

import pytest

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from tests.keys import KeyPair
from tests.verify.recordings import CLIENT_ID, CLIENT_SECRET, CONSUMER_ID


@pytest.fixture
def server(seller_key: KeyPair) -> Iterator[EmulatorServer]:
    client = ClientConfig(name="seller", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                          consumer_id=CONSUMER_ID, public_key=seller_key.public_pem)
    with EmulatorServer(Emulator(EmulatorConfig(clients=[client]))) as running:
        yield running

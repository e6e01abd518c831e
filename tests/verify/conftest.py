from __future__ import annotations

import pytest

from migrate.emulator import ClientConfig
from tests.keys import KeyPair
from tests.verify.recordings import CLIENT_ID, CLIENT_SECRET, CONSUMER_ID


@pytest.fixture
def seller(seller_key: KeyPair) -> ClientConfig:
    """The recordings' seller; the suite's ``server`` fixture serves it."""
    return ClientConfig(name="seller", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                        consumer_id=CONSUMER_ID, public_key=seller_key.public_pem)

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from tests.keys import KeyPair, new_key
from tests.legacy_signing import token_request_headers

pytest_plugins = ["pytester"]

SELLER_ID = "3f8a1c2e-seller-client-id"
SELLER_SECRET = "s3ll3r-cl13nt-s3cr3t-9f27d1"
CONSUMER_ID = "c0n5umer-4b1d-4c2e-9a8f-0123456789ab"


@pytest.fixture(scope="session")
def seller_key() -> KeyPair:
    return new_key()


@pytest.fixture(scope="session")
def other_key() -> KeyPair:
    return new_key()


@pytest.fixture
def seller(seller_key: KeyPair) -> ClientConfig:
    return ClientConfig(name="seller", client_id=SELLER_ID, client_secret=SELLER_SECRET,
                        consumer_id=CONSUMER_ID, public_key=seller_key.public_pem)


@pytest.fixture
def emulator(seller: ClientConfig) -> Emulator:
    return Emulator(EmulatorConfig(clients=[seller]), seed=7)


@pytest.fixture
def server(emulator: Emulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(emulator) as running:
        yield running


def fetch_token(client: httpx.Client, client_id: str = SELLER_ID,
                client_secret: str = SELLER_SECRET) -> str:
    response = client.post("/v3/token", auth=(client_id, client_secret),
                           data={"grant_type": "client_credentials"},
                           headers=token_request_headers())
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


# Tests that take ten seconds and more, started first: handed out last, they would run on one
# worker while the other has nothing left (pytest-xdist hands tests out in collection order).
_LONG_FIRST = ("tests/test_bench.py", "tests/test_install.py",
               "tests/codemods/test_generated_programs.py", "tests/test_pre_commit_hooks.py",
               "tests/test_demo.py", "tests/test_readme.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.partition("::")[0]
        return _LONG_FIRST.index(path) if path in _LONG_FIRST else len(_LONG_FIRST)

    items.sort(key=rank)  # stable: the order within each file, and of the rest, is kept

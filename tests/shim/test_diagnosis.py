"""The seller's questions from Walmart's OAuth FAQ, answered by the errors (spec section 6)."""

from __future__ import annotations

import pytest

import shim
from migrate.emulator import EmulatorServer
from shim._diagnosis import looks_like_private_key
from tests.conftest import CONSUMER_ID, SELLER_ID, SELLER_SECRET
from tests.keys import KeyPair


def _rejection(server: EmulatorServer, client_id: str, secret: str,
               environment: str | None = None) -> shim.TokenRejectedError:
    provider = shim.TokenProvider(client_id, secret, environment=environment or server.url)
    with pytest.raises(shim.TokenRejectedError) as caught:
        provider.token()
    return caught.value


def test_a_consumer_id_and_private_key_used_as_client_credentials(server: EmulatorServer,
                                                                  seller_key: KeyPair) -> None:
    error = _rejection(server, CONSUMER_ID, seller_key.bare_base64)
    assert error.status == 401
    assert "shaped like a legacy Private Key" in error.diagnoses[0]
    assert "not the Consumer ID and Private Key under new names" in str(error)
    assert seller_key.bare_base64 not in str(error)


def test_a_pem_key_as_the_secret_is_recognised_too(seller_key: KeyPair) -> None:
    assert looks_like_private_key(seller_key.pem)
    assert looks_like_private_key(seller_key.bare_base64)
    assert not looks_like_private_key(SELLER_SECRET)
    assert not looks_like_private_key("MII" + "A" * 300)


def test_reset_credentials_are_the_first_suspect_of_a_plain_401(server: EmulatorServer) -> None:
    server.emulator.reset_secret("seller", "rotated-by-a-colleague")
    error = _rejection(server, SELLER_ID, SELLER_SECRET)
    assert "reset by another user of the same Partner account" in error.diagnoses[0]
    assert "Private Key" not in str(error)


def test_sandbox_keys_sent_to_production_are_suggested(server: EmulatorServer) -> None:
    error = _rejection(server, SELLER_ID, "wrong")
    assert not any("Sandbox Keys" in d for d in error.diagnoses)  # a custom URL: no guess
    from shim._diagnosis import token_rejection

    message, diagnoses = token_rejection(401, "https://marketplace.walmartapis.com/v3/token",
                                         "secret", ())
    assert "Sandbox Keys sent to production" in diagnoses[-1]
    assert "WALMART_ENV=sandbox" in message
    _, diagnoses = token_rejection(401, "https://sandbox.walmartapis.com/v3/token", "secret", ())
    assert "Production Keys sent to sandbox" in diagnoses[-1]


def test_a_400_from_the_token_endpoint_has_no_credential_guesses(server: EmulatorServer) -> None:
    server.emulator.register("POST", "/v3/token", status=400, json={"errors": [
        {"code": "INVALID_REQUEST_PARAM.GMP_GATEWAY_API", "message": "bad grant",
         "field": "grant_type"}]})
    error = _rejection(server, SELLER_ID, SELLER_SECRET)
    assert error.status == 400
    assert error.diagnoses == ()
    assert error.details[0].code == "INVALID_REQUEST_PARAM.GMP_GATEWAY_API"
    assert "400 INVALID_REQUEST_PARAM.GMP_GATEWAY_API" in str(error)


def test_error_bodies_in_all_three_containers() -> None:
    from shim._error_body import parse_error_body

    one = b'{"error":[{"code":"A","description":"d","field":"f"}]}'
    two = b'{"errors":{"error":[{"code":"B","description":"d"}]}}'
    three = b'{"errors":[{"code":"C","message":"m","category":"DATA","severity":"ERROR"}]}'
    assert [parse_error_body(b)[0].code for b in (one, two, three)] == ["A", "B", "C"]
    assert parse_error_body(three)[0].message == "m"
    assert parse_error_body(b"<html>502</html>") == ()
    assert parse_error_body(b'{"error":"invalid_client"}') == ()

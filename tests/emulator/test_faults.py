"""Each injected fault, as a client on a real socket experiences it."""

from __future__ import annotations

import httpx
import pytest
import requests

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET, fetch_token
from tests.legacy_signing import call_headers, token_request_headers


def _token_call(client: httpx.Client) -> httpx.Response:
    return client.post("/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                       data={"grant_type": "client_credentials"}, headers=token_request_headers())


def test_server_errors_for_the_next_n_requests(server: EmulatorServer) -> None:
    server.emulator.inject("error", "/v3/token", count=2, status=503)
    with httpx.Client(base_url=server.url) as client:
        statuses = [_token_call(client).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [e.fault for e in server.emulator.exchanges] == ["error", "error", None]


def test_throttling_with_retry_after(server: EmulatorServer) -> None:
    server.emulator.inject("throttle", "/v3/orders*", retry_after=3)
    with httpx.Client(base_url=server.url) as client:
        headers = call_headers(fetch_token(client))
        throttled = client.get("/v3/orders", headers=headers)
        after = client.get("/v3/orders", headers=headers)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "3"
    assert throttled.json()["error"][0]["code"] == "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API"
    assert after.status_code == 200


def test_a_delay_longer_than_the_client_timeout_times_out(server: EmulatorServer) -> None:
    server.emulator.inject("delay", "/v3/token", delay=0.6)
    with httpx.Client(base_url=server.url, timeout=0.2) as client, \
            pytest.raises(httpx.ReadTimeout):
        _token_call(client)


def test_a_delay_within_the_timeout_still_answers(server: EmulatorServer) -> None:
    server.emulator.inject("delay", "/v3/token", delay=0.2)
    with httpx.Client(base_url=server.url, timeout=5) as client:
        assert _token_call(client).status_code == 200


def test_a_dropped_connection_with_httpx(server: EmulatorServer) -> None:
    server.emulator.inject("drop", "/v3/token")
    with httpx.Client(base_url=server.url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            _token_call(client)
        assert _token_call(client).status_code == 200


def test_a_dropped_connection_with_requests(server: EmulatorServer) -> None:
    server.emulator.inject("drop", "/v3/token")
    with pytest.raises(requests.ConnectionError):
        requests.post(server.url + "/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                      data={"grant_type": "client_credentials"},
                      headers=token_request_headers(), timeout=5)


def test_a_malformed_body(server: EmulatorServer) -> None:
    server.emulator.inject("malformed", "/v3/token")
    with httpx.Client(base_url=server.url) as client:
        response = _token_call(client)
    assert response.status_code == 200
    with pytest.raises(ValueError, match=r"\S"):
        response.json()


def test_a_share_of_requests_fails(seller: ClientConfig) -> None:
    emulator = Emulator(EmulatorConfig(clients=[seller]), seed=11)
    emulator.inject("error", "/v3/token", share=0.5, status=500)
    with EmulatorServer(emulator) as server, httpx.Client(base_url=server.url) as client:
        statuses = [_token_call(client).status_code for _ in range(60)]
    failures = statuses.count(500)
    assert 15 <= failures <= 45
    assert statuses.count(200) == 60 - failures


def test_a_share_with_a_count_stops_after_that_many_faults(seller: ClientConfig) -> None:
    emulator = Emulator(EmulatorConfig(clients=[seller]), seed=3)
    emulator.inject("error", "/v3/token", share=0.5, count=2)
    with EmulatorServer(emulator) as server, httpx.Client(base_url=server.url) as client:
        statuses = [_token_call(client).status_code for _ in range(30)]
    assert statuses.count(503) == 2


def test_a_fault_limited_to_one_method(server: EmulatorServer) -> None:
    server.emulator.inject("error", "/v3/inventory", method="PUT", count=5)
    with httpx.Client(base_url=server.url) as client:
        headers = call_headers(fetch_token(client))
        got = client.get("/v3/inventory?sku=CAST-IRON-10", headers=headers)
        put = client.put("/v3/inventory?sku=CAST-IRON-10", headers=headers,
                         json={"sku": "CAST-IRON-10", "quantity": {"unit": "EACH", "amount": 1}})
    assert (got.status_code, put.status_code) == (200, 503)


def test_throttling_headers_and_the_limit(seller: ClientConfig) -> None:
    emulator = Emulator(EmulatorConfig(clients=[seller], rate_limit=2, rate_window=60))
    with EmulatorServer(emulator) as server, httpx.Client(base_url=server.url) as client:
        headers = call_headers(fetch_token(client))
        responses = [client.get("/v3/orders", headers=headers) for _ in range(3)]
        other_category = client.get("/v3/items", headers=headers)
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert [r.headers["X-Current-Token-Count"] for r in responses] == ["1", "0", "0"]
    assert int(responses[0].headers["X-Next-Replenishment-Time"]) > 0
    assert 1 <= int(responses[2].headers["Retry-After"]) <= 60
    assert other_category.status_code == 200


@pytest.mark.parametrize("options", [{"kind": "explode"}, {"kind": "error", "status": 404},
                                     {"kind": "error", "share": 2.0}])
def test_a_nonsense_fault_is_refused(emulator: Emulator, options: dict[str, object]) -> None:
    kind = str(options.pop("kind"))
    with pytest.raises(ValueError, match=r"\S"):
        emulator.inject(kind, "/v3/token", **options)

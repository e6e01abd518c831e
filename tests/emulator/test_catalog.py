"""Canned payloads a client can parse, state that follows writes, and custom responses."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from migrate.emulator import EmulatorServer
from tests.conftest import fetch_token
from tests.legacy_signing import call_headers


@pytest.fixture
def api(server: EmulatorServer) -> Iterator[httpx.Client]:
    client = httpx.Client(base_url=server.url)
    client.headers.update(call_headers(fetch_token(client)))
    yield client
    client.close()


def test_orders_list_one_order_and_acknowledge(api: httpx.Client) -> None:
    orders = api.get("/v3/orders", params={"limit": 2}).json()["list"]
    assert orders["meta"]["totalCount"] == 3 and orders["meta"]["nextCursor"]
    po = orders["elements"]["order"][0]["purchaseOrderId"]
    order = api.get(f"/v3/orders/{po}").json()["order"]
    line = order["orderLines"]["orderLine"][0]
    assert line["item"]["sku"] == "KITCHEN-KNIFE-8"
    assert line["charges"]["charge"][0]["chargeAmount"] == {"currency": "USD", "amount": 34.99}
    acked = api.post(f"/v3/orders/{po}/acknowledge").json()["order"]
    status = acked["orderLines"]["orderLine"][0]["orderLineStatuses"]["orderLineStatus"][0]
    assert status["status"] == "Acknowledged"
    missing = api.get("/v3/orders/0000")
    assert missing.status_code == 404
    assert missing.json()["error"][0]["code"] == "CONTENT_NOT_FOUND.GMP_ORDER_API"


def test_orders_filtered_by_status(api: httpx.Client) -> None:
    created = api.get("/v3/orders", params={"status": "Created"}).json()["list"]
    assert [o["purchaseOrderId"] for o in created["elements"]["order"]] == ["1796277083022"]


def test_items_and_retirement(api: httpx.Client) -> None:
    items = api.get("/v3/items").json()
    assert items["totalItems"] == 3
    assert api.delete("/v3/items/TEA-KETTLE-2L").status_code == 200
    assert api.get("/v3/items/TEA-KETTLE-2L").status_code == 404


def test_inventory_put_is_visible_to_get(api: httpx.Client) -> None:
    before = api.get("/v3/inventory", params={"sku": "CAST-IRON-10"}).json()
    assert before["quantity"]["unit"] == "EACH"
    body = {"sku": "CAST-IRON-10", "quantity": {"unit": "EACH", "amount": 42}}
    assert api.put("/v3/inventory", params={"sku": "CAST-IRON-10"}, json=body).status_code == 200
    after = api.get("/v3/inventory", params={"sku": "CAST-IRON-10"}).json()
    assert after["quantity"]["amount"] == 42
    bad = api.put("/v3/inventory", params={"sku": "CAST-IRON-10"}, json={"nope": 1})
    assert bad.status_code == 400


def test_feeds_submit_list_and_status(api: httpx.Client) -> None:
    feed_id = api.post("/v3/feeds", params={"feedType": "inventory"},
                       json={"Inventory": [{"sku": "A"}, {"sku": "B"}]}).json()["feedId"]
    listed = api.get("/v3/feeds").json()
    assert listed["results"]["feed"][0]["feedId"] == feed_id
    status = api.get(f"/v3/feeds/{feed_id}", params={"includeDetails": "true"}).json()
    assert status["feedStatus"] == "PROCESSED"
    assert status["feedType"] == "inventory"
    assert status["itemsReceived"] == 2


def test_price_update(api: httpx.Client) -> None:
    body = {"sku": "CAST-IRON-10", "pricing": [{"currentPrice": {"currency": "USD", "amount": 20}}]}
    answer = api.put("/v3/price", json=body).json()
    assert answer["ItemPriceResponse"]["sku"] == "CAST-IRON-10"


def test_a_market_path_is_served_like_the_us_one(api: httpx.Client) -> None:
    assert api.get("/v3/ca/orders").json()["list"]["meta"]["totalCount"] == 3


def test_a_registered_response_wins(server: EmulatorServer, api: httpx.Client) -> None:
    server.emulator.register("GET", "/v3/orders/*", json={"order": {"purchaseOrderId": "X"}},
                             headers=[("X-Custom", "yes")])
    response = api.get("/v3/orders/1796277083022")
    assert response.json() == {"order": {"purchaseOrderId": "X"}}
    assert response.headers["X-Custom"] == "yes"
    assert "X-Current-Token-Count" in response.headers


def test_an_unsupported_method_and_an_unknown_path(api: httpx.Client) -> None:
    assert api.patch("/v3/feeds").status_code == 405
    assert api.get("/v3/nothing-here").status_code == 404
    assert api.get("/health").status_code == 404

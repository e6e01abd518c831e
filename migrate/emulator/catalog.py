"""Realistic Marketplace payloads for orders, items, inventory, prices and feeds.

The data is small and deterministic so tests can assert on it; inventory and feeds keep
state, so a PUT is visible to the next GET. Callers can register their own responses, which
win over the canned ones.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from migrate.emulator.messages import EmulatorRequest, EmulatorResponse, error_response, json_response
from migrate.emulator.sample_data import FEED_TEMPLATE, ITEMS, ORDERS

__all__ = ["Catalog", "CustomResponse"]


@dataclass
class CustomResponse:
    method: str
    path: str  # glob over the path, e.g. /v3/orders/* ; query strings are not matched
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def matches(self, request: EmulatorRequest, path: str) -> bool:
        return self.method in ("*", request.method) and fnmatch.fnmatchcase(path, self.path)


def _not_found(what: str) -> EmulatorResponse:
    return error_response(404, "CONTENT_NOT_FOUND.GMP_ORDER_API", f"{what} not found",
                          field_name="NOT_FOUND")


Handler = Callable[[EmulatorRequest, "re.Match[str]"], EmulatorResponse]


class Catalog:
    def __init__(self) -> None:
        self.custom: list[CustomResponse] = []
        self._orders = {o["purchaseOrderId"]: copy.deepcopy(o) for o in ORDERS}
        self._items = {i["sku"]: copy.deepcopy(i) for i in ITEMS}
        self._inventory = {sku: 25 + 5 * n for n, sku in enumerate(self._items)}
        self._feeds: dict[str, dict[str, Any]] = {}
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"/v[23]/orders(/released)?"), self._list_orders),
            ("GET", re.compile(r"/v[23]/orders/(?P<po>[^/]+)"), self._get_order),
            ("POST", re.compile(r"/v[23]/orders/(?P<po>[^/]+)/(?P<action>acknowledge|shipping|cancel)"),
             self._order_action),
            ("GET", re.compile(r"/v[23]/items"), self._list_items),
            ("GET", re.compile(r"/v[23]/items/(?P<sku>[^/]+)"), self._get_item),
            ("DELETE", re.compile(r"/v[23]/items/(?P<sku>[^/]+)"), self._delete_item),
            ("GET", re.compile(r"/v[23]/inventory"), self._get_inventory),
            ("PUT", re.compile(r"/v[23]/inventory"), self._put_inventory),
            ("PUT", re.compile(r"/v[23]/prices?"), self._put_price),
            ("GET", re.compile(r"/v[23]/feeds"), self._list_feeds),
            ("GET", re.compile(r"/v[23]/feeds/(?P<feed>[^/]+)"), self._get_feed),
            ("POST", re.compile(r"/v[23]/feeds"), self._post_feed),
        ]

    def register(self, response: CustomResponse) -> None:
        self.custom.insert(0, response)  # the latest registration wins

    def custom_response(self, request: EmulatorRequest, path: str) -> EmulatorResponse | None:
        for custom in self.custom:
            if custom.matches(request, path):
                return EmulatorResponse(custom.status, list(custom.headers), custom.body)
        return None

    def respond(self, request: EmulatorRequest, path: str) -> EmulatorResponse:
        """``path`` is the API path with any market segment (``/v3/ca/``) folded away."""
        custom = self.custom_response(request, path)
        if custom is not None:
            return custom
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                return handler(request, match)
        if any(p.fullmatch(path) for _, p, _ in self._routes):
            return error_response(405, "METHOD_NOT_ALLOWED.GMP_GATEWAY_API",
                                  f"{request.method} is not supported on {path}")
        return _not_found(f"resource {path}")

    # orders
    def _list_orders(self, request: EmulatorRequest, _: re.Match[str]) -> EmulatorResponse:
        orders = list(self._orders.values())
        status = request.query.get("status", [None])[0]
        if status:
            orders = [o for o in orders if o["orderLines"]["orderLine"][0]["orderLineStatuses"]
                      ["orderLineStatus"][0]["status"] == status]
        limit = int(request.query.get("limit", ["100"])[0] or 100)
        page = orders[:limit]
        meta = {"totalCount": len(orders), "limit": limit,
                "nextCursor": f"?limit={limit}&hasMoreElements=true" if len(orders) > limit else None}
        return json_response(200, {"list": {"meta": meta, "elements": {"order": page}}})

    def _get_order(self, _: EmulatorRequest, match: re.Match[str]) -> EmulatorResponse:
        order = self._orders.get(match["po"])
        return json_response(200, {"order": order}) if order else _not_found(f"order {match['po']}")

    def _order_action(self, _: EmulatorRequest, match: re.Match[str]) -> EmulatorResponse:
        order = self._orders.get(match["po"])
        if order is None:
            return _not_found(f"order {match['po']}")
        new_status = {"acknowledge": "Acknowledged", "shipping": "Shipped", "cancel": "Cancelled"}
        for line in order["orderLines"]["orderLine"]:
            line["orderLineStatuses"]["orderLineStatus"][0]["status"] = new_status[match["action"]]
        return json_response(200, {"order": order})

    # items
    def _list_items(self, request: EmulatorRequest, _: re.Match[str]) -> EmulatorResponse:
        items = list(self._items.values())
        return json_response(200, {"ItemResponse": items, "totalItems": len(items),
                                   "nextCursor": None})

    def _get_item(self, _: EmulatorRequest, match: re.Match[str]) -> EmulatorResponse:
        item = self._items.get(match["sku"])
        if item is None:
            return _not_found(f"item {match['sku']}")
        return json_response(200, {"ItemResponse": [item], "totalItems": 1})

    def _delete_item(self, _: EmulatorRequest, match: re.Match[str]) -> EmulatorResponse:
        if self._items.pop(match["sku"], None) is None:
            return _not_found(f"item {match['sku']}")
        return json_response(200, {"sku": match["sku"],
                                   "message": "Thank you.  Your item has been submitted for retirement"})

    # inventory and prices
    def _sku(self, request: EmulatorRequest) -> str | None:
        return request.query.get("sku", [None])[0]

    def _get_inventory(self, request: EmulatorRequest, _: re.Match[str]) -> EmulatorResponse:
        sku = self._sku(request)
        if sku is None:
            return error_response(400, "INVALID_REQUEST_PARAM.GMP_INVENTORY_API",
                                  "query parameter sku is required", field_name="sku")
        if sku not in self._inventory:
            return _not_found(f"inventory for sku {sku}")
        return json_response(200, {"sku": sku, "quantity": {"unit": "EACH",
                                                            "amount": self._inventory[sku]}})

    def _put_inventory(self, request: EmulatorRequest, _: re.Match[str]) -> EmulatorResponse:
        sku = self._sku(request)
        try:
            payload = request.json()
            amount = int(payload["quantity"]["amount"])
        except (ValueError, KeyError, TypeError):
            return error_response(400, "INVALID_REQUEST_CONTENT.GMP_INVENTORY_API",
                                  'body must be {"sku": ..., "quantity": {"unit": "EACH", "amount": N}}',
                                  field_name="quantity")
        sku = sku or payload.get("sku")
        if not sku:
            return error_response(400, "INVALID_REQUEST_PARAM.GMP_INVENTORY_API",
                                  "query parameter sku is required", field_name="sku")
        self._inventory[sku] = amount
        return json_response(200, {"sku": sku, "quantity": {"unit": "EACH", "amount": amount}})

    def _put_price(self, request: EmulatorRequest, _: re.Match[str]) -> EmulatorResponse:
        try:
            payload = request.json()
            sku = payload["sku"]
        except (ValueError, KeyError, TypeError):
            return error_response(400, "INVALID_REQUEST_CONTENT.GMP_PRICE_API",
                                  "body must name a sku and its pricing", field_name="sku")
        answer = {"mart": "WALMART_US", "sku": sku, "message": "Thank you. Your price has been updated."}
        return json_response(200, {"ItemPriceResponse": answer})

    # feeds
    def _post_feed(self, request: EmulatorRequest, _: re.Match[str]) -> EmulatorResponse:
        feed_type = request.query.get("feedType", ["item"])[0]
        serial = len(self._feeds) + 1
        feed_id = f"{serial:08X}-0001-FEED-EMUL-{serial:012d}"
        feed = dict(copy.deepcopy(FEED_TEMPLATE), feedId=feed_id, feedType=feed_type,
                    itemsReceived=_count_items(request.body))
        feed["itemsSucceeded"] = feed["itemsReceived"]
        self._feeds[feed_id] = feed
        return json_response(200, {"feedId": feed_id})

    def _list_feeds(self, _: EmulatorRequest, __: re.Match[str]) -> EmulatorResponse:
        feeds = list(self._feeds.values())
        return json_response(200, {"totalResults": len(feeds), "offset": 0, "limit": 50,
                                   "results": {"feed": feeds}})

    def _get_feed(self, _: EmulatorRequest, match: re.Match[str]) -> EmulatorResponse:
        feed = self._feeds.get(match["feed"])
        return json_response(200, feed) if feed else _not_found(f"feed {match['feed']}")


def _count_items(body: bytes) -> int:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return 1
    for key in ("Item", "MPItem", "Inventory", "Price", "items"):
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, list):
            return len(value)
    return 1

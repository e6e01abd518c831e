"""Canned Marketplace records, shaped like the v3 API's JSON answers."""

from __future__ import annotations

from typing import Any

__all__ = ["FEED_TEMPLATE", "ITEMS", "ORDERS"]


def _order(po: str, customer_order: str, sku: str, name: str, amount: float, status: str,
           placed_ms: int) -> dict[str, Any]:
    return {
        "purchaseOrderId": po,
        "customerOrderId": customer_order,
        "customerEmailId": f"{customer_order}@relay.walmart.com",
        "orderType": "REGULAR",
        "orderDate": placed_ms,
        "shippingInfo": {
            "phone": "2342423234",
            "estimatedDeliveryDate": placed_ms + 4 * 86_400_000,
            "estimatedShipDate": placed_ms + 86_400_000,
            "methodCode": "Standard",
            "postalAddress": {
                "name": "Jane Doe", "address1": "850 Cherry Avenue", "address2": None,
                "city": "San Bruno", "state": "CA", "postalCode": "94066",
                "country": "USA", "addressType": "RESIDENTIAL",
            },
        },
        "orderLines": {"orderLine": [{
            "lineNumber": "1",
            "item": {"productName": name, "sku": sku},
            "charges": {"charge": [{
                "chargeType": "PRODUCT", "chargeName": "ItemPrice",
                "chargeAmount": {"currency": "USD", "amount": amount},
                "tax": {"taxName": "Tax1", "taxAmount": {"currency": "USD",
                                                         "amount": round(amount * 0.0725, 2)}},
            }]},
            "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": "1"},
            "statusDate": placed_ms,
            "orderLineStatuses": {"orderLineStatus": [{
                "status": status,
                "statusQuantity": {"unitOfMeasurement": "EACH", "amount": "1"},
            }]},
            "fulfillment": {"fulfillmentOption": "S2H", "shipMethod": "STANDARD"},
        }]},
    }


ORDERS = [
    _order("1796277083022", "5281956426648", "KITCHEN-KNIFE-8", "Chef Knife 8 in", 34.99,
           "Created", 1_764_000_000_000),
    _order("1796277083023", "5281956426649", "CAST-IRON-10", "Cast Iron Skillet 10 in", 24.5,
           "Acknowledged", 1_764_003_600_000),
    _order("1796277083024", "5281956426650", "TEA-KETTLE-2L", "Stovetop Tea Kettle 2 L", 19.99,
           "Shipped", 1_764_007_200_000),
]


def _item(sku: str, name: str, price: float, wpid: str, gtin: str) -> dict[str, Any]:
    return {
        "mart": "WALMART_US", "sku": sku, "wpid": wpid, "upc": gtin[2:], "gtin": gtin,
        "productName": name, "shelf": '["Home","Kitchen"]', "productType": "Kitchen",
        "price": {"currency": "USD", "amount": price},
        "publishedStatus": "PUBLISHED", "lifecycleStatus": "ACTIVE",
    }


ITEMS = [
    _item("KITCHEN-KNIFE-8", "Chef Knife 8 in", 34.99, "5J3NR8N4YRBW", "00012345678905"),
    _item("CAST-IRON-10", "Cast Iron Skillet 10 in", 24.5, "7G8PQ2M1XKLA", "00012345678912"),
    _item("TEA-KETTLE-2L", "Stovetop Tea Kettle 2 L", 19.99, "2B6TT0D9ZWQE", "00012345678929"),
]

FEED_TEMPLATE: dict[str, Any] = {
    "feedId": "",
    "feedSource": "MARKETPLACE_PARTNER",
    "feedType": "item",
    "partnerId": "10000012345",
    "itemsReceived": 1,
    "itemsSucceeded": 1,
    "itemsFailed": 0,
    "itemsProcessing": 0,
    "feedStatus": "PROCESSED",
    "feedDate": 1_764_000_000_000,
    "batchId": "HP_REQUEST_BATCH",
    "modifiedDtm": 1_764_000_060_000,
}

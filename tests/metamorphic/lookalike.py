"""The look-alike fixture as a runnable base: the fixture has no ``run_case.py`` (its hosts
are not Walmart Marketplace's), so the variants get this one, which calls every client once.
The driver runs it deterministically (frozen clock and UUIDs, requests answered locally), so
a variant is valid when it sends exactly the requests the fixture itself sends - signatures
included, byte for byte."""

from __future__ import annotations

RUN_CASE_MODULES = ("partners.affiliates", "partners.already_oauth", "partners.canada",
                    "partners.homegrown", "partners.hybrid")
RUN_CASE = '''\
import os

from partners.affiliates import lookup_prices
from partners.already_oauth import list_items
from partners.canada import CanadaClient
from partners.homegrown import call_gateway
from partners.hybrid import HybridClient


def run():
    consumer_id = os.environ["WALMART_CONSUMER_ID"]
    private_key = os.environ["WALMART_PRIVATE_KEY"]
    pem = "-----BEGIN PRIVATE KEY-----\\n" + private_key + "\\n-----END PRIVATE KEY-----\\n"
    answers = [
        lookup_prices(consumer_id, pem, "1", ["19001", "19002"]),
        list_items("an-access-token"),
        CanadaClient(consumer_id, private_key).orders(),
        call_gateway(consumer_id, "/v1/stock").status_code,
        HybridClient(consumer_id, private_key).orders(),
        HybridClient(consumer_id, private_key, token="an-access-token").orders(),
    ]
    return answers
'''

"""The scrubber on VCR.py's own request and response objects: every kind of secret, in every
place, replaced - and the same secret always by the same placeholder."""

from __future__ import annotations

import base64

from vcr.request import Request

from migrate.verify.scrub import Scrubber
from tests.keys import KeyPair, new_key

TOKEN = "eyJraWQiOiJhYmMiLCJlbmMiOiJBMjU2R0NNIn0..bm9uY2U.Y2lwaGVydGV4dA.dGFn"


def _request(headers: dict[str, str], body: bytes = b"",
             uri: str = "https://marketplace.walmartapis.com/v3/orders") -> Request:
    return Request("POST", uri, body, headers)


def test_every_secret_kind_and_place(seller_key: KeyPair) -> None:
    other = new_key()
    scrubber = Scrubber(known=("client-secret-123456",))
    basic = base64.b64encode(b"id:client-secret-123456").decode()
    data = {
        "requests": [
            _request({"Authorization": f"Basic {basic}"}, b"grant_type=client_credentials",
                     "https://marketplace.walmartapis.com/v3/token"),
            _request({"WM_SEC.ACCESS_TOKEN": TOKEN, "WM_SEC.AUTH_SIGNATURE": "c2lnbmF0dXJl" * 20},
                     seller_key.pem.encode(),
                     "https://marketplace.walmartapis.com/v3/feeds?key=client-secret-123456"),
        ],
        "responses": [
            {"status": {"code": 200}, "headers": {"Content-Type": ["application/json"]},
             "body": {"string": f'{{"access_token":"{TOKEN}","expires_in":900}}'.encode()}},
            {"status": {"code": 200}, "headers": {"X-Echo": [other.bare_base64]},
             "body": {"string": f"echo {TOKEN}".encode()}},
        ],
    }
    clean = scrubber.cassette(data)
    text = repr(clean["requests"][0].headers) + repr([r.__dict__ for r in clean["requests"]]) + \
        repr(clean["responses"])
    for secret in (TOKEN, basic, "client-secret-123456", seller_key.pem.splitlines()[1],
                   other.bare_base64[:60], "c2lnbmF0dXJl" * 20):
        assert secret not in text
    token_request, call = clean["requests"]
    assert token_request.headers["Authorization"] == "Basic <WALMART-BASIC-1>"
    assert call.headers["WM_SEC.ACCESS_TOKEN"] == "<WALMART-TOKEN-1>"
    assert call.headers["WM_SEC.AUTH_SIGNATURE"] == "<WALMART-SIGNATURE-1>"
    assert call.uri.endswith("?key=<WALMART-SECRET-1>")
    # Responses are scrubbed first (for the token placeholders), so the echoed key is the first.
    assert call.body == b"<WALMART-PRIVATE-KEY-2>\n"
    assert clean["responses"][0]["body"]["string"] == \
        b'{"access_token":"<WALMART-TOKEN-1>","expires_in":900}'
    assert clean["responses"][1]["body"]["string"] == b"echo <WALMART-TOKEN-1>"
    assert clean["responses"][1]["headers"]["X-Echo"] == ["<WALMART-PRIVATE-KEY-1>"]
    # The originals are untouched: recording goes on with real values in memory.
    assert data["requests"][1].headers["WM_SEC.ACCESS_TOKEN"] == TOKEN


def test_placeholders_hold_across_cassettes() -> None:
    scrubber = Scrubber()
    first = scrubber.request(_request({"WM_SEC.ACCESS_TOKEN": TOKEN}))
    second = scrubber.request(_request({"WM_SEC.ACCESS_TOKEN": TOKEN + "x"}))
    again = scrubber.request(_request({"WM_SEC.ACCESS_TOKEN": TOKEN}))
    assert (first.headers["WM_SEC.ACCESS_TOKEN"], second.headers["WM_SEC.ACCESS_TOKEN"],
            again.headers["WM_SEC.ACCESS_TOKEN"]) == ("<WALMART-TOKEN-1>", "<WALMART-TOKEN-2>",
                                                      "<WALMART-TOKEN-1>")
    assert scrubber.request(first).headers["WM_SEC.ACCESS_TOKEN"] == "<WALMART-TOKEN-1>"

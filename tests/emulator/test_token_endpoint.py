"""The token endpoint over a real socket, with httpx and with requests (spec section 2)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest
import requests

from migrate.emulator import EmulatorServer
from tests.conftest import SELLER_ID, SELLER_SECRET, fetch_token
from tests.legacy_signing import call_headers, token_request_headers

UNAUTHORIZED_BODY = {"error": [{
    "code": "UNAUTHORIZED.GMP_GATEWAY_API", "field": "UNAUTHORIZED", "description": "Unauthorized",
    "info": "Unauthorized token or incorrect authorization header", "severity": "ERROR",
    "category": "DATA", "causes": [], "errorIdentifiers": {},
}]}


def test_httpx_gets_a_json_token_and_uses_it(server: EmulatorServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        response = client.post("/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                               data={"grant_type": "client_credentials"},
                               headers=token_request_headers())
        assert response.status_code == 200
        answer = response.json()
        assert answer["token_type"] == "Bearer"
        assert answer["expires_in"] == 900
        orders = client.get("/v3/orders", headers=call_headers(answer["access_token"]))
    assert orders.status_code == 200
    assert orders.json()["list"]["meta"]["totalCount"] == 3
    issued = server.emulator.issued_tokens(SELLER_ID)
    assert [t.token for t in issued] == [answer["access_token"]]
    assert issued[0].client_name == "seller"
    assert server.emulator.exchanges[-1].auth == "oauth"


def test_requests_gets_a_token_and_uses_it(server: EmulatorServer) -> None:
    session = requests.Session()
    response = session.post(server.url + "/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                            data={"grant_type": "client_credentials"},
                            headers=token_request_headers(), timeout=10)
    assert response.status_code == 200
    assert response.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    token = response.json()["access_token"]
    item = session.get(server.url + "/v3/items/TEA-KETTLE-2L", headers=call_headers(token),
                       timeout=10)
    assert item.status_code == 200
    assert item.json()["ItemResponse"][0]["sku"] == "TEA-KETTLE-2L"


def test_xml_is_answered_when_xml_is_accepted(server: EmulatorServer) -> None:
    headers = dict(token_request_headers(), Accept="application/xml")
    response = httpx.post(server.url + "/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                          data={"grant_type": "client_credentials"}, headers=headers)
    assert response.headers["content-type"] == "application/xml"
    root = ET.fromstring(response.content)
    assert root.tag == "OAuthTokenDTO"
    assert root.findtext("tokenType") == "Bearer"
    assert root.findtext("expiresIn") == "900"
    token = root.findtext("accessToken")
    assert token and server.emulator.issued_tokens()[0].token == token


def test_every_token_is_new_and_opaque(server: EmulatorServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        tokens = {fetch_token(client) for _ in range(5)}
    assert len(tokens) == 5
    assert all(t.count(".") == 4 and SELLER_SECRET not in t for t in tokens)


@pytest.mark.parametrize("auth", [(SELLER_ID, "wrong-secret"), ("unknown-id", SELLER_SECRET)])
def test_wrong_credentials_get_the_gateways_401(server: EmulatorServer,
                                                auth: tuple[str, str]) -> None:
    response = httpx.post(server.url + "/v3/token", auth=auth,
                          data={"grant_type": "client_credentials"},
                          headers=token_request_headers())
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED_BODY


def test_a_token_request_without_basic_auth_is_unauthorized(server: EmulatorServer) -> None:
    response = httpx.post(server.url + "/v3/token", data={"grant_type": "client_credentials"},
                          headers=token_request_headers())
    assert response.status_code == 401


def test_a_json_body_is_refused(server: EmulatorServer) -> None:
    response = httpx.post(server.url + "/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                          json={"grant_type": "client_credentials"},
                          headers=token_request_headers())
    assert response.status_code == 400
    assert response.json()["error"][0]["field"] == "Content-Type"


def test_another_grant_type_is_refused(server: EmulatorServer) -> None:
    response = httpx.post(server.url + "/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                          data={"grant_type": "password"}, headers=token_request_headers())
    assert response.status_code == 400
    assert response.json()["error"][0]["field"] == "grant_type"


@pytest.mark.parametrize("missing", ["WM_SVC.NAME", "WM_QOS.CORRELATION_ID"])
def test_a_token_request_missing_a_service_header_is_a_400(server: EmulatorServer,
                                                           missing: str) -> None:
    headers = token_request_headers()
    del headers[missing]
    response = httpx.post(server.url + "/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                          data={"grant_type": "client_credentials"}, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"][0]["code"] == "MISSING_REQUEST_HEADER.GMP_GATEWAY_API"
    assert response.json()["error"][0]["field"] == missing


def test_get_on_the_token_endpoint_is_not_allowed(server: EmulatorServer) -> None:
    assert httpx.get(server.url + "/v3/token", headers=token_request_headers()).status_code == 405


@pytest.mark.parametrize("missing", ["WM_SVC.NAME", "WM_QOS.CORRELATION_ID"])
def test_an_api_call_missing_a_service_header_is_a_400(server: EmulatorServer,
                                                       missing: str) -> None:
    with httpx.Client(base_url=server.url) as client:
        headers = call_headers(fetch_token(client))
        del headers[missing]
        response = client.get("/v3/orders", headers=headers)
    assert response.status_code == 400
    assert response.json()["error"][0]["code"] == "MISSING_REQUEST_HEADER.GMP_GATEWAY_API"


def test_bearer_authorization_is_rejected(server: EmulatorServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        token = fetch_token(client)
        headers = call_headers(token)
        del headers["WM_SEC.ACCESS_TOKEN"]
        headers["Authorization"] = f"Bearer {token}"
        response = client.get("/v3/orders", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"][0]["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"


def test_an_unknown_token_is_unauthorized(server: EmulatorServer) -> None:
    response = httpx.get(server.url + "/v3/orders", headers=call_headers("not-a-real-token"))
    assert response.status_code == 401


def test_no_auth_at_all_is_unauthorized(server: EmulatorServer) -> None:
    headers = call_headers("x")
    del headers["WM_SEC.ACCESS_TOKEN"]
    assert httpx.get(server.url + "/v3/orders", headers=headers).status_code == 401


def test_a_reset_secret_stops_new_tokens(server: EmulatorServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        old_token = fetch_token(client)
        server.emulator.reset_secret("seller", "new-secret")
        refused = client.post("/v3/token", auth=(SELLER_ID, SELLER_SECRET),
                              data={"grant_type": "client_credentials"},
                              headers=token_request_headers())
        assert refused.status_code == 401
        assert client.get("/v3/orders", headers=call_headers(old_token)).status_code == 200
        assert fetch_token(client, client_secret="new-secret")

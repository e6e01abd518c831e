"""How the gateway decides who is calling: Basic credentials at /v3/token, then either an
OAuth access token or a legacy signature on every API call (spec sections 1-2)."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import Union
from urllib.parse import parse_qs

from migrate.emulator.config import ClientConfig
from migrate.emulator.messages import EmulatorRequest, EmulatorResponse, error_response
from migrate.emulator.tokens import IssuedToken, TokenStore
from shim import _legacy
from shim._wire import (
    ACCESS_TOKEN,
    AUTH_SIGNATURE,
    CONSUMER_ID,
    CORRELATION_ID,
    SVC_NAME,
    TIMESTAMP,
    string_to_sign,
)

__all__ = ["Caller", "authenticate_call", "basic_credentials", "check_token_request", "missing_headers"]

UNAUTHORIZED = "UNAUTHORIZED.GMP_GATEWAY_API"


@dataclass
class Caller:
    client: ClientConfig
    kind: str  # "oauth" or "legacy"
    token: IssuedToken | None = None


def _unauthorized(info: str) -> EmulatorResponse:
    return error_response(401, UNAUTHORIZED, info)


def missing_headers(request: EmulatorRequest) -> EmulatorResponse | None:
    for name in (SVC_NAME, CORRELATION_ID):
        if not (request.header(name) or "").strip():
            return error_response(400, "MISSING_REQUEST_HEADER.GMP_GATEWAY_API",
                                  f"Missing required request header {name}", field_name=name)
    return None


def basic_credentials(value: str | None) -> tuple[str, str] | None:
    if not value or not value.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def check_token_request(
    request: EmulatorRequest, clients: dict[str, ClientConfig]
) -> Union[ClientConfig, EmulatorResponse]:
    """The client a well-formed token request authenticates, or the error to answer."""
    if request.method != "POST":
        return error_response(405, "METHOD_NOT_ALLOWED.GMP_GATEWAY_API",
                              "the token endpoint accepts POST only")
    problem = missing_headers(request)
    if problem:
        return problem
    credentials = basic_credentials(request.header("Authorization"))
    if credentials is None:
        return _unauthorized("Unauthorized token or incorrect authorization header")
    content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return error_response(400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API",
                              "Content-Type must be application/x-www-form-urlencoded",
                              field_name="Content-Type")
    form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    if form.get("grant_type") != ["client_credentials"]:
        return error_response(400, "INVALID_REQUEST_PARAM.GMP_GATEWAY_API",
                              "grant_type must be client_credentials", field_name="grant_type")
    client_id, secret = credentials
    client = clients.get(client_id)
    if (client is None or not client.allows_oauth or client.client_secret is None
            or not hmac.compare_digest(client.client_secret.encode(), secret.encode())):
        return _unauthorized("Unauthorized token or incorrect authorization header")
    return client


@lru_cache(maxsize=256)
def _public_key(pem: str) -> object:
    return _legacy.load_public_key(pem)


def _legacy_caller(
    request: EmulatorRequest, consumers: dict[str, ClientConfig], now: float, max_age: float
) -> Union[Caller, EmulatorResponse]:
    consumer_id = request.header(CONSUMER_ID)
    timestamp = request.header(TIMESTAMP)
    signature = request.header(AUTH_SIGNATURE) or ""
    for name, value in ((CONSUMER_ID, consumer_id), (TIMESTAMP, timestamp)):
        if not value:
            return error_response(400, "MISSING_REQUEST_HEADER.GMP_GATEWAY_API",
                                  f"Missing required request header {name}", field_name=name)
    assert consumer_id is not None and timestamp is not None
    client = consumers.get(consumer_id)
    if client is None or not client.allows_legacy or client.public_key is None:
        return _unauthorized("Unknown consumer id or signature authentication not enabled")
    try:
        signed_at = int(timestamp) / 1000.0
    except ValueError:
        return error_response(400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API",
                              f"{TIMESTAMP} must be epoch milliseconds", field_name=TIMESTAMP)
    if abs(now - signed_at) > max_age:
        return _unauthorized("Signature timestamp is outside the allowed window")
    text = string_to_sign(consumer_id, request.url, request.method, timestamp).encode("utf-8")
    key = _public_key(client.public_key)
    if not _legacy.verify(key, signature, text):  # type: ignore[arg-type]
        return _unauthorized("Invalid signature for this consumer, URL, method and timestamp")
    return Caller(client, "legacy")


def authenticate_call(
    request: EmulatorRequest,
    tokens: TokenStore,
    consumers: dict[str, ClientConfig],
    clients: dict[str, ClientConfig],
    now: float,
    max_age: float,
    expired_status: int,
) -> Union[Caller, EmulatorResponse]:
    """Who is making this API call, by access token first, then by legacy signature."""
    problem = missing_headers(request)
    if problem:
        return problem
    authorization = request.header("Authorization") or ""
    if authorization.lower().startswith("bearer"):
        return _unauthorized("Authorization: Bearer is not accepted; send WM_SEC.ACCESS_TOKEN")
    token = request.header(ACCESS_TOKEN)
    if token is not None:
        issued = tokens.find(token.strip())
        if issued is None:
            return _unauthorized("Unauthorized token or incorrect authorization header")
        if issued.expired(now):
            if expired_status == 400:
                return error_response(400, "INVALID_TOKEN.GMP_GATEWAY_API", "Token is expired",
                                      field_name=ACCESS_TOKEN)
            return _unauthorized("Access token is expired")
        client = clients.get(issued.client_id)
        if client is None:
            return _unauthorized("The key behind this token no longer exists")
        return Caller(client, "oauth", issued)
    if request.header(AUTH_SIGNATURE) is not None:
        return _legacy_caller(request, consumers, now, max_age)
    return _unauthorized("Unauthorized token or incorrect authorization header")

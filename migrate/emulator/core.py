"""The emulator's single request -> response core, shared by the socket server and the
in-process httpx transport."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from migrate.emulator import checks
from migrate.emulator.admin import handle_admin
from migrate.emulator.auth import Caller, authenticate_call, check_token_request
from migrate.emulator.catalog import Catalog, CustomResponse
from migrate.emulator.config import ClientConfig, ConfigError, EmulatorConfig
from migrate.emulator.faults import Fault, FaultPlan
from migrate.emulator.messages import EmulatorRequest, EmulatorResponse, error_response, json_response
from migrate.emulator.throttle import Throttle
from migrate.emulator.token_answer import token_response
from migrate.emulator.tokens import IssuedToken, TokenStore
from shim._wire import CHANNEL_TYPE, MARKETS, TOKEN_PATH, category_of

__all__ = ["Emulator", "Exchange", "category_of"]

ADMIN_PREFIX = "/__emulator__/"
def _api_path(path: str) -> str:
    """Fold a market segment (/v3/ca/orders) so the catalog serves every market alike."""
    parts = path.split("/")
    if len(parts) > 3 and parts[2] in MARKETS:
        del parts[2]
    return "/".join(parts)


@dataclass
class Exchange:
    """One request the emulator saw and what it answered."""

    request: EmulatorRequest
    response: EmulatorResponse
    at: float
    client: str | None = None
    auth: str | None = None  # "oauth", "legacy" or None when the caller was not identified
    fault: str | None = None


@dataclass
class _State:
    tokens: TokenStore = field(default_factory=TokenStore)
    exchanges: list[Exchange] = field(default_factory=list)


class Emulator:
    """A stand-in for Walmart's Marketplace gateway. Thread-safe."""

    def __init__(self, config: EmulatorConfig | None = None, *, clock: Callable[[], float] = time.time,
                 seed: int | None = None, expired_token_status: int = 401,
                 any_client: bool = False) -> None:
        self.config = config or EmulatorConfig()
        self._clock = clock
        self._offset = 0.0
        self._lock = threading.RLock()
        self._state = _State()
        self.faults = FaultPlan(seed)
        self.catalog = Catalog()
        self.throttle = Throttle(self.config.rate_limit, self.config.rate_window)
        self.expired_token_status = expired_token_status
        # A stand-in token endpoint (cassette replay) issues tokens to whoever asks: the
        # credentials in a seller's tests are made up.
        self.any_client = any_client
        self._by_client_id: dict[str, ClientConfig] = {}
        self._by_consumer_id: dict[str, ClientConfig] = {}
        for client in self.config.clients:
            self._index(client)

    # configuration
    def _index(self, client: ClientConfig) -> None:
        if client.client_id:
            self._by_client_id[client.client_id] = client
        if client.consumer_id:
            self._by_consumer_id[client.consumer_id] = client

    def add_client(self, client: ClientConfig) -> ClientConfig:
        with self._lock:
            for key in (client.client_id, client.consumer_id):
                if key and (key in self._by_client_id or key in self._by_consumer_id):
                    raise ConfigError(f"client {client.name!r}: id {key!r} is already configured")
            self.config.clients.append(client)
            self._index(client)
        return client

    def client(self, name: str) -> ClientConfig:
        for client in self.config.clients:
            if client.name == name:
                return client
        raise KeyError(name)

    def reset_secret(self, name: str, new_secret: str) -> None:
        """What a Partner user does in the Developer Portal: the old secret stops working and
        tokens already issued for the key stay valid until they expire."""
        with self._lock:
            self.client(name).client_secret = new_secret

    def inject(self, kind: str, path: str = "*", **options: Any) -> Fault:
        """Make matching requests fail; see ``Fault`` for the options."""
        with self._lock:
            return self.faults.add(Fault(kind, path, **options))

    def register(self, method: str, path: str, *, status: int = 200, json: Any = None,
                 body: bytes | str = b"", headers: list[tuple[str, str]] | None = None) -> None:
        """Answer ``method path`` (a glob) with a response of the caller's choosing."""
        import json as _json

        if json is not None:
            payload = _json.dumps(json).encode()
            headers = [("Content-Type", "application/json"), *(headers or [])]
        else:
            payload = body.encode() if isinstance(body, str) else body
        with self._lock:
            self.catalog.register(CustomResponse(method.upper(), path, status, payload,
                                                 list(headers or [])))

    # time
    def now(self) -> float:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the gateway's clock forward (token expiry, signature windows, throttling).
        A finite, non-negative number: ``nan`` would make every token valid forever."""
        step = checks.seconds("seconds", seconds)
        with self._lock:
            self._offset += step

    # what was seen
    @property
    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._state.exchanges)

    def requests(self, path: str | None = None) -> list[EmulatorRequest]:
        return [e.request for e in self.exchanges if path is None or e.request.path == path]

    def issued_tokens(self, client_id: str | None = None) -> list[IssuedToken]:
        with self._lock:
            return [t for t in self._state.tokens.issued if client_id in (None, t.client_id)]

    def reset(self) -> None:
        """Forget requests, tokens, faults, custom responses and throttling."""
        with self._lock:
            self._state = _State()
            self.faults.clear()
            self.catalog = Catalog()
            self.throttle.clear()
            self._offset = 0.0

    # the core
    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        path = urlsplit(request.url).path
        if path.startswith(ADMIN_PREFIX):
            return handle_admin(self, request, path[len(ADMIN_PREFIX):])
        with self._lock:
            exchange = Exchange(request, EmulatorResponse(500), self.now())
            fault = self.faults.take(request.method, path)
            exchange.fault = fault.kind if fault else None
            injected = fault.response() if fault else None
            exchange.response = injected or self._route(request, path, exchange)
            if fault and fault.kind == "delay":
                exchange.response.delay = fault.delay
            self._state.exchanges.append(exchange)
            return exchange.response

    def _route(self, request: EmulatorRequest, path: str, exchange: Exchange) -> EmulatorResponse:
        if path == TOKEN_PATH:
            # A registered answer stands in for the token endpoint itself (odd gateways,
            # proxies), without checking credentials.
            custom = self.catalog.custom_response(request, path)
            return custom or self._issue_token(request, exchange)
        if not (path.startswith("/v3/") or path.startswith("/v2/")):
            return error_response(404, "NOT_FOUND.GMP_GATEWAY_API", f"no API at {path}")
        caller = authenticate_call(request, self._state.tokens, self._by_consumer_id,
                                   self._by_client_id, self.now(), self.config.signature_max_age,
                                   self.expired_token_status)
        if isinstance(caller, EmulatorResponse):
            return caller
        exchange.client, exchange.auth = caller.client.name, caller.kind
        if path == TOKEN_PATH + "/detail":
            return self._token_detail(request, caller)
        return self._serve_api(request, path, caller)

    def _issue_token(self, request: EmulatorRequest, exchange: Exchange) -> EmulatorResponse:
        if self.any_client:
            self._admit(request)
        client = check_token_request(request, self._by_client_id)
        if isinstance(client, EmulatorResponse):
            return client
        assert client.client_id is not None
        exchange.client, exchange.auth = client.name, "basic"
        issued = self._state.tokens.issue(client.name, client.client_id, self.now(),
                                          self.config.token_lifetime, request.header(CHANNEL_TYPE))
        return token_response(issued, request.header("Accept"), self.config.token_lifetime)

    def _admit(self, request: EmulatorRequest) -> None:
        from migrate.emulator.auth import basic_credentials

        credentials = basic_credentials(request.header("Authorization"))
        if credentials and credentials[0] not in self._by_client_id and credentials[1]:
            client_id, secret = credentials
            self.add_client(ClientConfig(name=client_id, client_id=client_id, client_secret=secret))

    def _token_detail(self, request: EmulatorRequest, caller: Caller) -> EmulatorResponse:
        if request.method != "GET":
            return error_response(405, "METHOD_NOT_ALLOWED.GMP_GATEWAY_API",
                                  "token detail accepts GET only")
        if caller.token is None:
            return error_response(401, "UNAUTHORIZED.GMP_GATEWAY_API",
                                  "token detail needs WM_SEC.ACCESS_TOKEN")
        client, issued = caller.client, caller.token
        channel = request.header(CHANNEL_TYPE)
        return json_response(200, {
            "expire_at": str(int(issued.expires_at * 1000)),
            "issued_at": str(int(issued.issued_at * 1000)),
            "is_valid": not issued.expired(self.now()),
            "is_channel_match": client.channel_type is None or channel == client.channel_type,
            "scopes": client.scope_table(),
        })

    def _serve_api(self, request: EmulatorRequest, path: str, caller: Caller) -> EmulatorResponse:
        category = category_of(path)
        grant = caller.client.grant(category)
        if grant == "no_access" or (grant == "view_only" and request.method not in ("GET", "HEAD")):
            return error_response(
                403, "FORBIDDEN.GMP_GATEWAY_API",
                f"This key has {grant} for the {category} category",
            )
        allowed, throttle_headers = self.throttle.take(caller.client.name, category, self.now())
        if not allowed:
            return error_response(429, "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API",
                                  "Request threshold violated", headers=throttle_headers)
        response = self.catalog.respond(request, _api_path(path))
        response.headers.extend(throttle_headers)
        return response


"""A local stand-in for Walmart's Marketplace gateway: tokens, legacy signatures, scopes,
Walmart-shaped errors, throttling, canned payloads and fault injection.

One core (``Emulator.handle``), two front doors: ``EmulatorServer`` (a real socket on
loopback) and ``EmulatorTransport`` (an in-process httpx transport).
"""

from __future__ import annotations

from migrate.emulator.config import ClientConfig, ConfigError, EmulatorConfig, load_config
from migrate.emulator.core import Emulator, Exchange, category_of
from migrate.emulator.faults import Fault
from migrate.emulator.messages import EmulatorRequest, EmulatorResponse
from migrate.emulator.server import EmulatorServer
from migrate.emulator.tokens import IssuedToken
from migrate.emulator.transport import EmulatorTransport

__all__ = [
    "ClientConfig",
    "ConfigError",
    "Emulator",
    "EmulatorConfig",
    "EmulatorRequest",
    "EmulatorResponse",
    "EmulatorServer",
    "EmulatorTransport",
    "Exchange",
    "Fault",
    "IssuedToken",
    "category_of",
    "load_config",
]

"""``walmart-migrate emulator``: serve the gateway emulator until SIGINT or SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from migrate.emulator import ClientConfig, Emulator, EmulatorConfig, EmulatorServer, load_config

__all__ = ["DEMO_CLIENT", "run_emulator"]

# Known, documented credentials for a quick start without a config file. They only ever
# unlock this local emulator.
DEMO_CLIENT = ClientConfig(name="demo", client_id="demo-client-id",
                           client_secret="demo-client-secret")


def build_config(config_path: Path | None, token_lifetime: float | None) -> EmulatorConfig:
    if config_path is not None:
        config = load_config(config_path)
    else:
        config = EmulatorConfig(clients=[ClientConfig(**vars(DEMO_CLIENT))])
    if token_lifetime is not None:
        config.token_lifetime = token_lifetime
        config.__post_init__()
    return config


def run_emulator(config: EmulatorConfig, port: int) -> int:
    """Serve until a signal arrives; print the URL on stdout first so scripts can read it."""
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with EmulatorServer(Emulator(config), port=port) as server:
            print(server.url, flush=True)
            names = ", ".join(c.name for c in config.clients) or "none"
            print(f"walmart-migrate emulator: serving {server.url} (clients: {names}); "
                  "Ctrl-C to stop", file=sys.stderr, flush=True)
            while not stop.wait(0.2):
                pass
        print("walmart-migrate emulator: stopped", file=sys.stderr, flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0

"""The command line: a thin click layer over functions that return exit codes.

Exit codes: 0 clean/ok, 1 changes needed or verification failed, 2 usage error,
123 internal error. Data goes to stdout; progress and messages to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from migrate import __version__
from migrate.emulator import ConfigError

__all__ = ["main"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 123


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="walmart-migrate")
def cli() -> None:
    """Move Walmart Marketplace code from legacy signatures to OAuth 2.0."""


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="TOML or JSON file with clients, scopes and lifetimes.")
@click.option("--token-lifetime", type=float, help="Seconds a token lives (default 900).")
def emulator(port: int, config_path: Path | None, token_lifetime: float | None) -> None:
    """Serve a local stand-in for Walmart's gateway on loopback.

    Prints its URL on stdout. Without --config it knows one OAuth client,
    demo-client-id / demo-client-secret, with full access.
    """
    from migrate.emulator_command import build_config, run_emulator

    try:
        config = build_config(config_path, token_lifetime)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        code = run_emulator(config, port)
    except OSError as exc:
        click.echo(f"walmart-migrate emulator: cannot listen on port {port}: {exc.strerror}",
                   err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(code)


@cli.command()
def demo() -> None:
    """Run the walkthrough against a local emulator."""
    from migrate.demo import run_demo

    sys.exit(run_demo())


def main(argv: list[str] | None = None) -> None:
    """Console entry point; maps unexpected errors to exit code 123 with a one-line message."""
    try:
        cli.main(args=argv, prog_name="walmart-migrate", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # the contract: an internal error is one line and code 123
        click.echo(f"walmart-migrate: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_INTERNAL)

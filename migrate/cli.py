"""The command line: a thin click layer over functions that return exit codes.

Exit codes: 0 clean/ok, 1 changes needed or verification failed, 2 usage error,
123 internal error. Data goes to stdout; progress and messages to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TextIO

import click

from migrate import __version__

if TYPE_CHECKING:
    from migrate.repo_commands import Output
    from migrate.runner.run import RunRequest

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
    from migrate.emulator import ConfigError
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


class _Size(click.ParamType):  # type: ignore[type-arg]
    name = "size"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        from migrate.runner.size import parse_size

        try:
            return parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _repo_options(command: Callable[..., None]) -> Callable[..., None]:
    """Options shared by scan and apply."""
    decorators = [
        click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path)),
        click.option("--include", multiple=True, metavar="GLOB",
                     help="Only files matching this gitignore-style pattern (repeatable)."),
        click.option("--exclude", multiple=True, metavar="GLOB",
                     help="Never files matching this pattern (repeatable)."),
        click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
                     help="Worker processes (default: one per core; 1 runs serially)."),
        click.option("--target", type=click.Choice(["oauth", "rollout"]), default=None,
                     help="Rewrite to OAuth (default) or to the shim's rollout switch."),
        click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]),
                     default="text", show_default=True, help="What goes to stdout."),
        click.option("--report", type=click.Path(path_type=Path, dir_okay=False),
                     help="Also write the JSON report to this file."),
        click.option("--codemod", "codemods", multiple=True, metavar="MODULE:CLASS",
                     help="Run these codemods (in order) instead of the built-in set."),
        click.option("--max-file-size", type=_Size(), metavar="SIZE",
                     help="Skip larger files, unparsed (default 2MB, or max-file-size in "
                          "[tool.walmart-migrate]), e.g. 4MB."),
        click.option("--no-cache", is_flag=True,
                     help="Do not read or write the result cache (kept in .git/, or the "
                          "user's cache folder outside git)."),
        click.option("--force-exclude/--no-force-exclude", default=False,
                     help="Leave out files named on the command line that the excludes cover "
                          "(as pre-commit names every staged file)."),
        click.option("-q", "--quiet", "quiet", is_flag=True,
                     help="Only what changes, what needs a person, and what to run next."),
        click.option("-v", "--verbose", "verbose", is_flag=True,
                     help="Also how each site was classified, and the code already on OAuth."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _output(quiet: bool, verbose: bool, color: str = "never", exit_zero: bool = False) -> Output:
    from migrate.repo_commands import Output
    from migrate.runner.diff import colour_wanted

    if quiet and verbose:
        raise click.UsageError("-q and -v ask for opposite things; give one")
    return Output(verbosity=1 if verbose else -1 if quiet else 0,
                  color=colour_wanted(color, sys.stdout), exit_zero=exit_zero)


def _request(paths: tuple[Path, ...], include: tuple[str, ...], exclude: tuple[str, ...],
             jobs: int, target: str | None, codemods: tuple[str, ...], no_cache: bool,
             max_file_size: int | None, **extra: object) -> RunRequest:
    from codemods.registry import CODEMODS, load_codemods
    from migrate.runner.run import RunRequest

    if codemods:  # the built-in set is loaded only when the work needs it
        try:
            load_codemods(codemods)
        except (ImportError, AttributeError, TypeError, ValueError) as exc:
            raise click.BadParameter(f"cannot load a codemod: {exc}",
                                     param_hint="--codemod") from None
    return RunRequest(paths=paths, include=include, exclude=exclude, jobs=jobs, target=target,
                      codemods=codemods or CODEMODS, cache=not no_cache,
                      max_file_size=max_file_size, **extra)  # type: ignore[arg-type]


def _streams() -> tuple[TextIO, TextIO]:
    """Standard output and error as they are when the command runs, not when a module was
    imported: a caller may redirect them in between (``contextlib.redirect_stdout``, an
    embedding tool, a test runner running one command after another)."""
    return sys.stdout, sys.stderr


@cli.command()
@_repo_options
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even when something is left to migrate (for a SARIF upload step).")
@click.option("--watch", is_flag=True,
              help="Scan again each time a file is saved, until ctrl-C (one report per scan).")
def scan(paths: tuple[Path, ...], include: tuple[str, ...], exclude: tuple[str, ...], jobs: int,
         target: str | None, fmt: str, report: Path | None, codemods: tuple[str, ...],
         max_file_size: int | None, no_cache: bool, force_exclude: bool, quiet: bool,
         verbose: bool, exit_zero: bool, watch: bool) -> None:
    """Find every legacy signing site and classify it; change nothing.

    Exit 1 when Marketplace signing is left to migrate.
    """
    from migrate.repo_commands import scan_command, watch_command

    output = _output(quiet, verbose, exit_zero=exit_zero)
    request = _request(paths, include, exclude, jobs, target, codemods, no_cache, max_file_size,
                       force_exclude=force_exclude, progress=False if quiet else None)
    if watch:
        sys.exit(watch_command(request, fmt, report, *_streams(), output=output))
    sys.exit(scan_command(request, fmt, report, *_streams(), output=output))


@cli.command()
@_repo_options
@click.option("--diff", is_flag=True, help="Print a unified diff (git apply accepts it); write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if anything would change.")
@click.option("--allow-dirty", is_flag=True, help="Rewrite files that have uncommitted changes.")
@click.option("--follow", is_flag=True,
              help="Also rewrite files outside PATHS that the change needs (callers of a "
                   "renamed parameter, readers of a renamed setting); without it apply "
                   "refuses and names them.")
@click.option("--mark-manual", is_flag=True,
              help="Add a '# walmart-migrate: ...' comment above each site left for a person.")
@click.option("--color", "--colour", "color", type=click.Choice(["auto", "always", "never"]),
              default="auto", show_default=True,
              help="Colour the --diff; auto: on a terminal, unless NO_COLOR is set.")
def apply(paths: tuple[Path, ...], include: tuple[str, ...], exclude: tuple[str, ...], jobs: int,
          target: str | None, fmt: str, report: Path | None, codemods: tuple[str, ...],
          max_file_size: int | None, no_cache: bool, force_exclude: bool, quiet: bool,
          verbose: bool, diff: bool, check: bool, allow_dirty: bool, follow: bool,
          mark_manual: bool, color: str) -> None:
    """Rewrite what can be proven safe to OAuth, in place; report the rest.

    Exit 1 when something would change (--check, --diff) or is left for a person.
    """
    from migrate.repo_commands import apply_command

    output = _output(quiet, verbose, color)
    request = _request(paths, include, exclude, jobs, target, codemods, no_cache, max_file_size,
                       write=not (diff or check), allow_dirty=allow_dirty,
                       mark_manual=mark_manual, force_exclude=force_exclude,
                       progress=False if quiet else None, follow=follow, declare_runtime=True)
    out, err = _streams()
    sys.exit(apply_command(request, fmt, report, diff, check, out, err, output=output))


@cli.command(name="list")
def list_command() -> None:
    """Print each codemod (in the order it runs) and each verifier rule, with its description."""
    from codemods.registry import CODEMODS, load_codemods
    from migrate.verify.command import BEFORE_AFTER
    from migrate.verify.rules import RULES

    click.echo("Codemods:")
    for codemod in load_codemods(CODEMODS):
        click.echo(f"  {codemod.NAME:<22} {codemod.DESCRIPTION}")
    click.echo("Verifier rules:")
    for rule_id, description in [*((r.id, r.description) for r in RULES), BEFORE_AFTER]:
        click.echo(f"  {rule_id:<22} {description}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--before", type=click.Path(path_type=Path, file_okay=False),
              help="Folder of legacy cassettes to compare with, paired by file name.")
@click.option("--only", multiple=True, metavar="RULE",
              help="Check only these rules (repeatable), e.g. --only no-secrets in pre-commit.")
@click.option("--host", "hosts", multiple=True, metavar="HOST",
              help="Another Walmart host (besides *.walmartapis.com and any serving /v3/).")
@click.option("--secret-env", "secret_env", multiple=True, metavar="VAR",
              help="Also look for the value of this environment variable (WALMART_CLIENT_SECRET "
                   "and WALMART_PRIVATE_KEY are always looked for).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True)
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the JSON report to this file.")
@click.option("--cassettes-only", is_flag=True,
              help="Skip, without a word, files that are not VCR.py cassettes by their content "
                   "(pre-commit hands over every YAML/JSON file).")
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even when a rule fails (for a SARIF upload step).")
def verify(paths: tuple[Path, ...], before: Path | None, only: tuple[str, ...],
           hosts: tuple[str, ...], secret_env: tuple[str, ...], fmt: str,
           report: Path | None, cassettes_only: bool, exit_zero: bool) -> None:
    """Check recorded cassettes: the token on every Walmart call and nothing of the old scheme.

    Exit 1 when a rule fails or a cassette cannot be read.
    """
    import os

    from migrate.verify.command import VerifyRequest
    from migrate.verify.command import verify as run

    secrets = tuple(os.environ[v] for v in secret_env if os.environ.get(v))
    request = VerifyRequest(paths=paths, before=before, only=only, hosts=hosts, secrets=secrets,
                            cassettes_only=cassettes_only, exit_zero=exit_zero)
    sys.exit(run(request, fmt, report, *_streams()))


@cli.command()
@click.option("--client-id", help="Client ID (default: WALMART_CLIENT_ID).")
@click.option("--client-secret", help="Client Secret (default: WALMART_CLIENT_SECRET).")
@click.option("--environment", help="production, sandbox, supplier or a base URL (default: "
                                    "WALMART_ENV, else production).")
@click.option("--channel-type", help="WM_CONSUMER.CHANNEL.TYPE to check against the key.")
@click.option("--need", "needs", multiple=True, metavar="CATEGORY[:full|:view]",
              help="A category the integration needs (repeatable); missing scope fails.")
def doctor(client_id: str | None, client_secret: str | None, environment: str | None,
           channel_type: str | None, needs: tuple[str, ...]) -> None:
    """Check OAuth credentials: token, scopes per category, and what to fix.

    Exit 1 when something is wrong.
    """
    from migrate.doctor import parse_needs, run_doctor
    from shim._config import Settings
    from shim.errors import ConfigurationError

    try:
        settings = Settings.resolve(client_id=client_id, client_secret=client_secret,
                                    environment=environment, channel_type=channel_type)
        wanted = parse_needs(needs)
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from exc
    sys.exit(run_doctor(settings, wanted, sys.stdout))


@cli.command()
@click.option("--keep", type=click.Path(path_type=Path, file_okay=False),
              help="Work in this folder and keep it (default: a temporary one, removed).")
@click.option("--rollout", is_flag=True,
              help="The phased way: the rollout switch first, then a second run to OAuth only.")
def demo(keep: Path | None, rollout: bool) -> None:
    """Migrate the bundled sample seller repository end to end, offline.

    Scan, diff, apply, replay the seller's tests against the legacy cassettes, record new
    ones against the local emulator, and verify them against the legacy ones.
    """
    from migrate.demo import run_demo

    sys.exit(run_demo(keep=keep, rollout=rollout))


def main(argv: list[str] | None = None) -> None:
    """Console entry point; maps unexpected errors to exit code 123 with a one-line message."""
    # A file name that is not valid in the locale's encoding is printed as its own bytes,
    # as ls and git do, rather than stopping the run.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")
    try:
        cli.main(args=argv, prog_name="walmart-migrate", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # the contract: an internal error is one line and code 123
        click.echo(f"walmart-migrate: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_INTERNAL)

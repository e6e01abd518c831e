"""pytest plugin (entry point ``pytest11``): hooks and fixtures only; the VCR.py glue lives in
``migrate.verify.recording``, the scrubbing in ``migrate.verify.scrub``, the emulated gateway in
``migrate.verify.emulated``.

- Every cassette pytest-recording saves is scrubbed first (``<WALMART-TOKEN-1>``...): the
  interactions with Walmart's hosts, with the hosts named by ``--walmart-host`` or the
  ``walmart_hosts`` ini setting, and with the gateway ``WALMART_ENV`` names. Bodies are kept
  byte for byte; every other interaction is saved exactly as recorded.
- ``@pytest.mark.walmart_replay`` (or ``--walmart-replay`` for every test): migrated code
  replays legacy cassettes - token requests go to a local stand-in token endpoint, and a
  request to a Walmart host without a token it issued, or with a legacy header, fails.
- ``walmart_emulator`` fixture: Walmart's hosts answered by the local emulator over HTTPS,
  for recording cassettes offline with httpx, requests, aiohttp or urllib.
- ``@pytest.mark.walmart_all_played`` (or ``--walmart-all-played``): fail a test that left
  recorded interactions unplayed.

Order of configuration: command-line flags apply to every test; markers to one test.
``--walmart-replay`` replays the tests that use VCR.py (the ``vcr`` marker); the others run as
they are.

The plugin is a module of its own name, not part of the ``migrate`` package: a seller's project
may have a ``migrate.py`` of its own, and a session that does not use walmart-migrate must neither
fail nor run that file. Nothing of ``migrate``, ``shim``, VCR.py or the emulator is imported
until a test uses it, and then only once ``walmart_migrate_entry`` has checked (without running
anything) that those names are this distribution's packages.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from walmart_migrate_entry import problem_with_packages

__all__ = ["pytest_addoption", "pytest_configure"]

SECRET_VARIABLES = ("WALMART_CLIENT_SECRET", "WALMART_PRIVATE_KEY")
VERIFY_EXTRA = "pip install 'walmart-migrate[verify]'"
# What replaying and the emulator import: VCR.py and its pytest glue, and cryptography for the
# emulator's TLS and legacy signatures.
REPLAY_NEEDS = ("vcr", "pytest_recording", "cryptography")


@dataclass
class _State:
    scrubber: Any = None
    stand_in: Any = None  # EmulatorServer answering /v3/token during replay
    replaying: bool = False
    saved_env: dict[str, str | None] = field(default_factory=dict)
    warned: bool = False

    def issued(self) -> set[str]:
        if self.stand_in is None:
            return set()
        return {t.token for t in self.stand_in.emulator.issued_tokens()}


STATE = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("walmart-migrate")
    group.addoption("--walmart-replay", action="store_true", default=False,
                    help="Replay every VCR test as migrated code: a stand-in token endpoint, and "
                         "Walmart calls must carry its token and no legacy header.")
    group.addoption("--walmart-host", action="append", default=[], metavar="HOST[:PORT]",
                    help="Scrub interactions with this host too (repeatable), e.g. a local "
                         "emulator at 127.0.0.1:8080.")
    parser.addini("walmart_hosts", type="linelist", default=[],
                  help="Hosts (HOST or HOST:PORT) whose interactions are scrubbed like Walmart's.")
    group.addoption("--walmart-all-played", action="store_true", default=False,
                    help="Fail VCR tests that leave recorded interactions unplayed.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "walmart_replay: replay legacy cassettes as migrated code")
    config.addinivalue_line("markers", "walmart_all_played: every recorded interaction must play")
    state = _State()
    config.stash[STATE] = state
    if config.pluginmanager.hasplugin("recording"):
        config.pluginmanager.register(_RecordingHooks(state), "walmart-migrate-recording")
    elif config.getoption("--walmart-replay"):
        config.issue_config_time_warning(pytest.PytestConfigWarning(
            f"--walmart-replay replays VCR.py cassettes, and pytest-recording is not installed: "
            f"{VERIFY_EXTRA}"), stacklevel=2)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None and state.stand_in is not None:
        state.stand_in.stop()


def _scrubber(state: _State) -> Any:
    if state.scrubber is None:
        from migrate.verify.scrub import Scrubber

        state.scrubber = Scrubber(tuple(os.environ[v] for v in SECRET_VARIABLES
                                        if os.environ.get(v)))
    return state.scrubber


def _wants(item: pytest.Item, marker: str, option: str) -> bool:
    return item.get_closest_marker(marker) is not None or bool(item.config.getoption(option))


def _uses_vcr(item: pytest.Item) -> bool:
    return item.get_closest_marker("vcr") is not None


def _ready(what: str, needs: tuple[str, ...] = ()) -> None:
    """Fail the test that asked for ``what`` with one line when it cannot work here."""
    import importlib.util

    absent = [name for name in needs if importlib.util.find_spec(name) is None]
    if absent:
        pytest.fail(f"{what} needs {', '.join(absent)}: {VERIFY_EXTRA}", pytrace=False)
    problem = problem_with_packages(("migrate", "shim"))
    if problem is not None:
        pytest.fail(f"{what}: {problem}", pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = item.config.stash[STATE]
    state.replaying = item.get_closest_marker("walmart_replay") is not None or (
        bool(item.config.getoption("--walmart-replay")) and _uses_vcr(item))
    if not state.replaying:
        return
    _ready("--walmart-replay", REPLAY_NEEDS)
    if state.stand_in is None:
        from migrate.emulator import Emulator, EmulatorServer

        state.stand_in = EmulatorServer(Emulator(any_client=True)).start()
    values = {"WALMART_ENV": state.stand_in.url,
              "WALMART_CLIENT_ID": os.environ.get("WALMART_CLIENT_ID") or "replay-client-id",
              "WALMART_CLIENT_SECRET": os.environ.get("WALMART_CLIENT_SECRET") or "replay-secret"}
    state.saved_env = {name: os.environ.get(name) for name in values}
    os.environ.update(values)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    state = item.config.stash[STATE]
    for name, value in state.saved_env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    state.saved_env, state.replaying = {}, False
    import sys

    shim = sys.modules.get("shim")
    # Tokens from one test's stand-in or emulator must not serve the next test. A seller's own
    # `shim` module is none of this plugin's business.
    if shim is not None and problem_with_packages(("shim",)) is None:
        shim.reset_registry()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, None]:
    outcome = yield
    if outcome.excinfo is not None:
        _explain_legacy_cassette(item, outcome)
        return
    if not _wants(item, "walmart_all_played", "--walmart-all-played"):
        return
    cassette = getattr(item, "funcargs", {}).get("vcr")
    if cassette is None or cassette.all_played:
        return
    unplayed = [f"{index} ({request.method} {request.uri})"
                for index, (request, _) in enumerate(cassette.data)
                if not cassette.play_counts[index]]
    raise AssertionError(f"{cassette._path}: recorded interactions not played: "
                         f"{', '.join(unplayed)}")


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _explain_legacy_cassette(item: pytest.Item, outcome: Any) -> None:
    """Migrated code asks for a token that a cassette recorded before the migration never
    saw: say so, and what to do, instead of VCR.py's "no match" or a token error."""
    if item.config.stash[STATE].replaying or not hasattr(outcome, "force_exception"):
        return
    error = outcome.excinfo[1]
    if not any(type(e).__name__ == "CannotOverwriteExistingCassetteException" or
               "CannotOverwriteExistingCassetteException" in str(e) for e in _chain(error)):
        return
    if not any("/v3/token" in str(e) for e in _chain(error)):
        return
    vcr = getattr(item, "funcargs", {}).get("vcr")
    recorded = getattr(vcr, "data", None) or []
    if any(getattr(request, "path", "").endswith("/v3/token") for request, _ in recorded):
        return  # recorded after the migration: VCR.py's own message says what differs
    cassette = getattr(vcr, "_path", None)
    where = f"{cassette} was" if cassette else "the cassette was"
    explained = AssertionError(
        f"{where} recorded before the migration and holds no token request for the migrated "
        "code: re-record it (pytest --record-mode=rewrite, with the walmart_emulator fixture "
        "on while recording), or run with --walmart-replay to replay it as migrated code")
    explained.__cause__ = error
    outcome.force_exception(explained)


class _RecordingHooks:
    """Hooks of pytest-recording, registered only where it is installed."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def pytest_recording_configure(self, config: pytest.Config, vcr: Any) -> None:
        problem = problem_with_packages(("migrate", "shim"))
        if problem is not None:
            # Scrubbing is on by default for every VCR.py test: off here, said once. (A test
            # that asked for replay has already failed, saying why.)
            if not self.state.warned:
                self.state.warned = True
                import warnings

                warnings.warn(pytest.PytestWarning(
                    f"walmart-migrate does not scrub these cassettes: {problem}"), stacklevel=1)
            return
        from migrate.verify.recording import ScrubbingPersister, replay_matcher, scrubbed_hosts

        configured = (*config.getini("walmart_hosts"), *config.getoption("--walmart-host"))
        vcr.register_persister(ScrubbingPersister(vcr.persister, _scrubber(self.state),
                                                  lambda: scrubbed_hosts(tuple(configured))))
        if not self.state.replaying:
            return
        vcr.register_matcher("walmart_auth", replay_matcher(self.state.issued))
        use_cassette = vcr.use_cassette

        def replaying(path: Any = None, **kwargs: Any) -> Any:
            kwargs["match_on"] = (*kwargs.get("match_on", vcr.match_on), "walmart_auth")
            kwargs["ignore_localhost"] = True  # the stand-in token endpoint is on loopback
            return use_cassette(path, **kwargs)

        vcr.use_cassette = replaying


@pytest.fixture
def walmart_emulator(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Walmart's hosts answered by a local emulator over HTTPS, for the length of a test.

    Clients come from the environment: WALMART_CLIENT_ID / WALMART_CLIENT_SECRET for OAuth,
    WALMART_CONSUMER_ID / WALMART_PRIVATE_KEY (its public half is registered) for legacy.
    """
    _ready("the walmart_emulator fixture", ("cryptography",))
    from migrate.verify.emulated import emulated_walmart

    with emulated_walmart(tmp_path_factory.mktemp("walmart-emulator"), monkeypatch.setenv) as emulator:
        yield emulator

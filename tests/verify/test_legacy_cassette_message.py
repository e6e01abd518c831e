"""Plain ``pytest`` on migrated code with cassettes recorded before the migration says what to
do - re-record, or run with --walmart-replay - instead of a token error; a cassette recorded
after the migration keeps VCR.py's own message."""

from __future__ import annotations

import pytest

from tests.verify.test_plugin import CONFTEST, LEGACY, MIGRATED, seller_env

__all__ = ["seller_env"]  # the fixture, used by name below


def test_migrated_code_on_legacy_cassettes_is_told_to_re_record(pytester: pytest.Pytester,
                                                                seller_env: None) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_calls=LEGACY)
    pytester.runpytest_subprocess("--record-mode=once", "-p", "no:cacheprovider") \
        .assert_outcomes(passed=3)
    pytester.makepyfile(test_calls=MIGRATED)
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    plain.assert_outcomes(failed=3)
    plain.stdout.fnmatch_lines(["*test_orders_httpx.yaml was recorded before the migration and "
                                "holds no token request*re-record it*or run with "
                                "--walmart-replay*"])
    assert "KeyError" not in plain.stdout.str()


def test_a_cassette_recorded_after_the_migration_keeps_vcrs_message(
        pytester: pytest.Pytester, seller_env: None) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_calls=MIGRATED)
    pytester.runpytest_subprocess("--record-mode=once", "-p", "no:cacheprovider") \
        .assert_outcomes(passed=3)
    # A second token request, which the cassette (with its one token request) cannot answer.
    call = 'assert client.get(BASE + "/v3/orders?limit=1", headers=headers()).status_code == 200'
    again = ("shim.reset_registry()\n"
             "    with httpx.Client(auth=shim.WalmartAuth()) as again:\n"
             "        again.get(BASE + '/v3/items', headers=headers())")
    pytester.makepyfile(test_calls=MIGRATED.replace(call, f"{call}\n    {again}"))
    changed = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "orders")
    changed.assert_outcomes(failed=1)
    assert "/v3/token" in changed.stdout.str()
    assert "recorded before the migration" not in changed.stdout.str()

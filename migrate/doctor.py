"""``walmart-migrate doctor``: check a set of OAuth credentials against an environment - the
token, the key's scope per category from /v3/token/detail, and the diagnoses of Walmart's
OAuth FAQ - as a table. Exit 1 when something is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from migrate.emulator.config import CATEGORIES  # the gateway's scope categories (spec §3)
from shim import RetryPolicy, TokenProvider
from shim._config import Settings
from shim._diagnosis import SOLUTION_PROVIDER_NOTE, looks_like_private_key
from shim._secrets import fingerprint
from shim.errors import ConfigurationError, TokenError, TokenRejectedError

__all__ = ["parse_needs", "run_doctor"]

GRANT_RANK = {"no_access": 0, "view_only": 1, "full_access": 2}


@dataclass
class Row:
    check: str
    result: str  # ok, WARN, FAIL
    detail: str


def _table(rows: list[Row], out: TextIO) -> None:
    width = max(len(r.check) for r in rows)
    out.write(f"{'check':<{width}}  result  detail\n")
    for row in rows:
        out.write(f"{row.check:<{width}}  {row.result:<6}  {row.detail}\n")


def _credentials(settings: Settings) -> Row:
    if not settings.client_id or not settings.client_secret:
        return Row("credentials", "FAIL", "no client id or client secret: pass --client-id and "
                   "--client-secret, or set WALMART_CLIENT_ID / WALMART_CLIENT_SECRET")
    where = settings.token_url
    if not settings.environment.startswith(("http://", "https://")):
        where = f"{settings.environment} ({where})"
    detail = f"client id {settings.client_id}, secret {fingerprint(settings.client_secret)}, {where}"
    if looks_like_private_key(settings.client_secret):
        return Row("credentials", "FAIL", f"{detail}; the secret is shaped like a legacy Private "
                   "Key: Client ID and Client Secret are new credentials from the Developer Portal")
    return Row("credentials", "ok", detail)


def _scopes(detail: dict[str, object], needs: dict[str, str]) -> list[Row]:
    scopes = detail.get("scopes")
    scopes = scopes if isinstance(scopes, dict) else {}
    rows = []
    for category in sorted({*CATEGORIES, *scopes, *needs}, key=lambda c: (c not in CATEGORIES, c)):
        grant = str(scopes.get(category, "not reported"))
        needed = needs.get(category)
        if needed and GRANT_RANK.get(grant, -1) < GRANT_RANK[needed]:
            rows.append(Row(f"scope: {category}", "FAIL",
                            f"{grant}, {needed} needed - {SOLUTION_PROVIDER_NOTE}"))
        elif grant == "no_access":
            rows.append(Row(f"scope: {category}", "WARN", f"no_access - {SOLUTION_PROVIDER_NOTE}"))
        else:
            rows.append(Row(f"scope: {category}", "ok", grant))
    return rows


def run_doctor(settings: Settings, needs: dict[str, str], out: TextIO) -> int:
    rows = [_credentials(settings)]
    if rows[0].result == "ok":
        rows += _token_rows(settings, needs)
    _table(rows, out)
    failed = [r for r in rows if r.result == "FAIL"]
    out.write("verdict: ok\n" if not failed else f"verdict: {len(failed)} problem(s) found\n")
    return 1 if failed else 0


def _token_rows(settings: Settings, needs: dict[str, str]) -> list[Row]:
    provider = TokenProvider(settings=settings, retry=RetryPolicy(attempts=2, base_delay=0.2))
    try:
        token = provider.token()
    except TokenRejectedError as exc:
        reasons = "; ".join(f"({n}) {d}" for n, d in enumerate(exc.diagnoses, 1)) or str(exc)
        return [Row("token", "FAIL", f"refused with {exc.status}: check {reasons}")]
    except TokenError as exc:  # unreachable, timed out or garbled: its message says which
        return [Row("token", "FAIL", str(exc))]
    cached = provider.cached
    lifetime = f", expires in {cached.expires_in:g}s" if cached is not None else ""
    rows = [Row("token", "ok", f"issued ({fingerprint(token)}){lifetime}")]
    try:
        detail = provider.token_detail()
    except TokenError as exc:
        return [*rows, Row("token detail", "FAIL", str(exc))]
    valid = detail.get("is_valid") is True
    channel = detail.get("is_channel_match")
    if not valid:
        rows.append(Row("token detail", "FAIL", "the gateway reports the token as not valid"))
    elif channel is False and settings.channel_type:
        rows.append(Row("token detail", "FAIL", f"WM_CONSUMER.CHANNEL.TYPE {settings.channel_type} "
                        "does not match the key's channel: check the channel type the "
                        "Developer Portal shows for this key"))
    else:
        matched = ", channel matches" if channel and settings.channel_type else ""
        rows.append(Row("token detail", "ok", "valid" + matched))
    return rows + _scopes(detail, needs)


def parse_needs(values: tuple[str, ...]) -> dict[str, str]:
    """``orders`` or ``orders:view`` / ``orders:full`` -> category -> grant needed."""
    needs = {}
    for value in values:
        category, _, level = value.partition(":")
        grant = {"": "full_access", "full": "full_access", "view": "view_only"}.get(level)
        if grant is None:
            raise ConfigurationError(f"--need {value!r}: use CATEGORY, CATEGORY:full or CATEGORY:view")
        if category not in CATEGORIES:
            raise ConfigurationError(f"--need {value!r}: unknown category {category!r}; the "
                                     f"categories are {', '.join(sorted(CATEGORIES))}")
        needs[category] = grant
    return needs

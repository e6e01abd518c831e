"""The verifier's rules: plain functions over one cassette, each with an id and a one-line
description; a violation names the cassette, the interaction, the request and what was
expected, as VCR.py's own matchers do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

from migrate.verify.cassette import Cassette, Interaction
from migrate.verify.hosts import DEFAULT_HOSTS, is_marketplace_call
from migrate.verify.secrets_scan import raw_tokens_in, secrets_in
from migrate.verify.shown_uri import shown_uri
from migrate.verify.tokens import is_token_request, issued_tokens, same_token, token_fingerprint
from shim._wire import ACCESS_TOKEN, CORRELATION_ID, LEGACY_HEADERS, SVC_NAME

__all__ = ["RULES", "Rule", "VerifyContext", "Violation", "check_cassette"]



@dataclass(frozen=True)
class Violation:
    rule: str
    cassette: Path
    index: int | None
    method: str
    uri: str
    message: str

    def text(self) -> str:
        where = f"interaction {self.index} ({self.method} {self.uri})" if self.index is not None \
            else "whole cassette"
        return f"{self.cassette}: {where}: [{self.rule}] {self.message}"


@dataclass
class VerifyContext:
    hosts: frozenset[str] = DEFAULT_HOSTS  # Walmart hosts besides any serving /v3/ or /v2/
    secrets: tuple[str, ...] = ()  # known client secrets and private keys to look for


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    check: Callable[[Cassette, VerifyContext], Iterator[Violation]] = field(repr=False)


def is_walmart(interaction: Interaction, context: VerifyContext) -> bool:
    return is_marketplace_call(interaction.host, interaction.path,
                               interaction.request_headers.get, context.hosts)


def _api_calls(cassette: Cassette, context: VerifyContext) -> Iterator[Interaction]:
    for interaction in cassette.interactions:
        if is_walmart(interaction, context) and not is_token_request(interaction):
            yield interaction


def _violation(rule: str, cassette: Cassette, interaction: Interaction | None,
               message: str, every_query_value: bool = False) -> Violation:
    if interaction is None:
        return Violation(rule, cassette.path, None, "", "", message)
    return Violation(rule, cassette.path, interaction.index, interaction.method,
                     shown_uri(interaction.uri, every_query_value), message)


def token_present(cassette: Cassette, context: VerifyContext) -> Iterator[Violation]:
    for call in _api_calls(cassette, context):
        if not call.request_headers.get(ACCESS_TOKEN):
            yield _violation("token-present", cassette, call,
                             f"expected a {ACCESS_TOKEN} header; the request has none")


def token_issued(cassette: Cassette, context: VerifyContext) -> Iterator[Violation]:
    issued = issued_tokens(cassette)
    for call in _api_calls(cassette, context):
        sent = call.request_headers.get(ACCESS_TOKEN)
        if not sent:
            continue
        earlier = [t for t in issued if t.index < call.index]
        if not any(same_token(sent, t.value) for t in earlier):
            yield _violation(
                "token-issued", cassette, call,
                f"expected a token issued by an earlier /v3/token answer in this cassette; "
                f"{token_fingerprint(sent)} was not (issued earlier: "
                f"{', '.join(token_fingerprint(t.value) for t in earlier) or 'none'})")


def token_fresh(cassette: Cassette, context: VerifyContext) -> Iterator[Violation]:
    issued = issued_tokens(cassette)
    for call in _api_calls(cassette, context):
        sent, used_at = call.request_headers.get(ACCESS_TOKEN), call.when
        if not sent or used_at is None:
            continue
        for token in reversed([t for t in issued if t.index < call.index]):
            if same_token(sent, token.value) and token.issued_at is not None:
                late = used_at - (token.issued_at + token.expires_in)
                if late > 0:
                    yield _violation(
                        "token-fresh", cassette, call,
                        f"expected an unexpired token; the one issued at interaction "
                        f"{token.index} expired {late:.0f}s before this call")
                break


def no_legacy_headers(cassette: Cassette, context: VerifyContext) -> Iterator[Violation]:
    for interaction in cassette.interactions:
        if not is_walmart(interaction, context):
            continue
        found = [h for h in LEGACY_HEADERS if interaction.request_headers.get(h) is not None]
        if found:
            yield _violation("no-legacy-headers", cassette, interaction,
                             f"expected no legacy signature headers; found {', '.join(found)}")


def svc_name(cassette: Cassette, context: VerifyContext) -> Iterator[Violation]:
    for interaction in cassette.interactions:
        if is_walmart(interaction, context) and not interaction.request_headers.get(SVC_NAME):
            yield _violation("svc-name", cassette, interaction, f"expected a {SVC_NAME} header")


def correlation_id(cassette: Cassette, context: VerifyContext) -> Iterator[Violation]:
    seen: dict[str, int] = {}
    for interaction in cassette.interactions:
        if not is_walmart(interaction, context):
            continue
        value = interaction.request_headers.get(CORRELATION_ID)
        if not value:
            yield _violation("correlation-id", cassette, interaction,
                             f"expected a {CORRELATION_ID} header")
        elif value in seen:
            yield _violation("correlation-id", cassette, interaction,
                             f"expected a unique {CORRELATION_ID}; {value!r} repeats the one of "
                             f"interaction {seen[value]}")
        else:
            seen[value] = interaction.index


def token_request_shape(cassette: Cassette, context: VerifyContext) -> Iterator[Violation]:
    for request in cassette.interactions:
        if not is_token_request(request):
            continue
        problems = []
        if request.method != "POST":
            problems.append(f"method POST (found {request.method})")
        authorization = request.request_headers.get("authorization") or ""
        if not authorization.lower().startswith("basic "):
            problems.append("Authorization: Basic")
        content_type = (request.request_headers.get("content-type") or "").split(";")[0].strip()
        if content_type.lower() != "application/x-www-form-urlencoded":
            problems.append("Content-Type: application/x-www-form-urlencoded")
        form = parse_qs(request.request_body.decode("utf-8", "replace"))
        if form.get("grant_type") != ["client_credentials"]:
            problems.append("a form body with grant_type=client_credentials")
        if problems:
            yield _violation("token-request-shape", cassette, request,
                             f"expected {'; '.join(problems)}")


def no_bearer(cassette: Cassette, context: VerifyContext) -> Iterator[Violation]:
    for interaction in cassette.interactions:
        authorization = interaction.request_headers.get("authorization") or ""
        if is_walmart(interaction, context) and authorization.lower().startswith("bearer"):
            yield _violation("no-bearer", cassette, interaction,
                             "expected no Authorization: Bearer (Walmart rejects it); send "
                             f"{ACCESS_TOKEN}")


def no_secrets(cassette: Cassette, context: VerifyContext) -> Iterator[Violation]:
    # A raw token seen anywhere (sent, or in an answer) is looked for everywhere else too.
    tokens = sorted({t for i in cassette.interactions for t in raw_tokens_in(i)})
    for interaction in cassette.interactions:
        found = list(secrets_in(interaction, context.secrets, tokens))
        in_url = any(place in ("URL", "query string") for place, _ in found)
        for place, what in found:
            yield _violation("no-secrets", cassette, interaction,
                             f"expected no secrets; found {what} in the {place} - scrub it and "
                             "rotate the credential if this cassette was shared", in_url)


RULES: tuple[Rule, ...] = (
    Rule("token-present", "Every Walmart API call carries WM_SEC.ACCESS_TOKEN.", token_present),
    Rule("token-issued", "Each token was issued by an earlier /v3/token answer in the cassette "
                         "(compared by fingerprint, so scrubbed cassettes verify).", token_issued),
    Rule("token-fresh", "No token is used past its expiry (where the cassette has times).",
         token_fresh),
    Rule("no-legacy-headers", "No WM_SEC.AUTH_SIGNATURE, WM_SEC.TIMESTAMP or WM_CONSUMER.ID on "
                              "Walmart calls.", no_legacy_headers),
    Rule("svc-name", "Every Walmart call carries WM_SVC.NAME.", svc_name),
    Rule("correlation-id", "Every Walmart call carries a WM_QOS.CORRELATION_ID, unique in the "
                           "cassette.", correlation_id),
    Rule("token-request-shape", "Token requests are POST with Basic credentials and a form body "
                                "grant_type=client_credentials.", token_request_shape),
    Rule("no-bearer", "No Authorization: Bearer on Walmart calls.", no_bearer),
    Rule("no-secrets", "No client secret, private key, Basic credentials or raw token anywhere "
                       "in the cassette (headers, query strings, bodies).", no_secrets),
)


def check_cassette(cassette: Cassette, context: VerifyContext,
                   only: tuple[str, ...] = ()) -> list[Violation]:
    found: list[Violation] = []
    for rule in RULES:
        if not only or rule.id in only:
            found.extend(rule.check(cassette, context))
    return sorted(found, key=lambda v: (v.index if v.index is not None else -1, v.rule))


"""The scheme of each site, from everything its requests carry and where they go.

A site is judged in every class its code can run as (its own and each repository subclass),
and in every header set it ends up in (the request's own headers merged with what other
functions add and the session's or client's defaults). Look-alike evidence anywhere in that
set - Canada, Walmart I/O / Connect, supplier, a home-made signature - makes it a look-alike;
a token already sent makes it OAuth (or hybrid, beside a legacy signature)."""

from __future__ import annotations

from dataclasses import dataclass, field

from codemods.flow.headersets import HeaderSets, SiteView, fold
from codemods.flow.library import strip
from codemods.flow.recognise import Signature, canada_text, describe, lookalike_url, read_signature, render
from codemods.flow.repository import Repository
from codemods.flow.summary import FileSummary, SiteRec
from codemods.flow.values import Entry, Lit, Value, Via
from codemods.names import (
    ACCESS_TOKEN,
    AUTH_SIGNATURE,
    CONSUMER_ID,
    INTIMESTAMP,
    KEY_VERSION,
    LEGACY,
    TENANT_ID,
    TIMESTAMP,
)

__all__ = ["Judged", "judge_sites"]

_LEGACY = {h.upper() for h in LEGACY}
_SIGNATURE, _CONSUMER, _TIMESTAMP = AUTH_SIGNATURE.upper(), CONSUMER_ID.upper(), TIMESTAMP.upper()
_TOKEN, _TENANT = ACCESS_TOKEN.upper(), TENANT_ID.upper()
_THREE = {INTIMESTAMP.upper(), KEY_VERSION.upper()}
_LOCALE = "WM_LOCALE_ID"

REASONS = {
    "canada-signature": "legacy Canada Marketplace (WALMART.CA, /v3/ca/): still signature-based; "
                        "moving it to OAuth means the Global Marketplace APIs, a product decision; "
                        "not migrated",
    "affiliate-signature": "Walmart I/O affiliate signature (WM_CONSUMER.INTIMESTAMP, "
                           "WM_SEC.KEY_VERSION): still the current scheme for that API; not migrated",
    "supplier-signature": "Drop Ship Vendor / supplier API (api-gateway.walmart.com): its OAuth has "
                          "its own token endpoint and credentials; not migrated to Marketplace OAuth",
    "fake-signature": "legacy header names with a non-RSA signature (hashlib/hmac): not the "
                      "Marketplace scheme; not migrated",
    "oauth": "already sends WM_SEC.ACCESS_TOKEN; nothing to migrate",
}


@dataclass
class Verdict:
    """How one view of a site reads."""

    scheme: str  # a scheme, or "member" (only consumer id / timestamp, beside a signature)
    why: str = ""
    signature: Signature | None = None
    evidence: str = ""


@dataclass
class Judged:
    site: SiteRec
    file: FileSummary
    views: list[SiteView]
    scheme: str
    action: str | None  # None: decided with its unit
    message: str
    signature: Signature | None = None
    legacy: set[str] = field(default_factory=set)
    evidence: str = ""

    @property
    def key(self) -> tuple[str, int, int]:
        return self.site.loc

    @property
    def report_loc(self) -> tuple[str, int, int]:
        """Where the finding points: the dict, or the first statement setting a legacy (or
        look-alike) header of a run of statements."""
        if self.site.kind in ("subscript", "call") and self.views:
            for entry in self.views[0].entries:
                name = fold(entry.name)
                if name in _LEGACY or name in _THREE or name in (_TENANT, _TOKEN):
                    return entry.loc
        return self.site.loc

    @property
    def candidate(self) -> bool:
        return self.scheme == "marketplace-signature" and self.action is None


def judge_sites(repo: Repository, sets: HeaderSets) -> list[Judged]:
    judged: list[Judged] = []
    for file in repo.files.values():
        for site in file.sites:
            views = [sets.view(site, file, context) for context in sets.contexts(site.function)]
            outcome = _judge(repo, site, file, views)
            if outcome is not None:
                judged.append(outcome)
    return judged


def _judge(repo: Repository, site: SiteRec, file: FileSummary,
           views: list[SiteView]) -> Judged | None:
    verdicts = [_verdict(repo, view) for view in views]
    # A mixin or base never made on its own cannot tell what its subclasses hold
    # (``self.signer`` set in their __init__): their views decide.
    contexts = [view.context for view in views]
    concrete = [(view, verdict) for view, verdict in zip(views, verdicts)
                if not (verdict.scheme == "unknown" and repo.abstract(view.context, contexts))]
    if concrete and len(concrete) < len(views):
        views, verdicts = [v for v, _ in concrete], [v for _, v in concrete]
    own = {n for view in views for n in view.names()}
    legacy = own & _LEGACY
    if not legacy and _TOKEN not in own:
        # Look-alike headers added to a legacy request (a Canada tenant, Walmart I/O fields)
        # are reported with it, so the seller sees why it stays.
        beside = any(s.names().keys() & _LEGACY for view in views for s in view.sets)
        if not (own & (_THREE | {_TENANT, _LOCALE}) and beside):
            return None
    schemes = {v.scheme for v in verdicts}
    primary = verdicts[0]
    if len(schemes) > 1 and schemes != {"member", "marketplace-signature"}:
        lookalike = next(v for v in verdicts if v.scheme in REASONS and v.scheme != "oauth") \
            if any(v.scheme in REASONS and v.scheme != "oauth" for v in verdicts) else None
        if lookalike is not None and any(v.scheme in ("marketplace-signature", "member")
                                         for v in verdicts):
            context = next(view.context for view, v in zip(views, verdicts) if v is lookalike)
            return Judged(site, file, views, "marketplace-signature", "manual",
                          f"the same code also builds the headers of "
                          f"{(context or '').rpartition('.')[2] or 'another client'}, a "
                          f"{lookalike.scheme} client that must keep signing; split them first",
                          primary.signature, legacy, lookalike.evidence)
        primary = next((v for v in verdicts if v.scheme not in ("marketplace-signature", "member")),
                       primary)
    scheme = primary.scheme
    if scheme == "member":
        return Judged(site, file, views, "marketplace-signature", None, "", None, legacy)
    if scheme == "marketplace-signature":
        action = "manual" if primary.why else None
        return Judged(site, file, views, scheme, action, primary.why, primary.signature, legacy)
    if scheme in REASONS:
        return Judged(site, file, views, scheme, "ignored", REASONS[scheme], primary.signature,
                      legacy, primary.evidence)
    if scheme == "hybrid":
        return Judged(site, file, views, "hybrid", "manual", primary.why, primary.signature, legacy)
    if scheme == "no-signature":
        return Judged(site, file, views, "unknown", "ignored", primary.why, None, legacy)
    return Judged(site, file, views, "unknown", "manual", primary.why, primary.signature, legacy)


def _verdict(repo: Repository, view: SiteView) -> Verdict:
    """The view's verdict: the site in each request it is part of must read the same way;
    a builder shared by a Marketplace request and a look-alike one is neither."""
    if not view.sets:
        return _one_verdict(repo, view, {}, [])
    verdicts = [_one_verdict(repo, view, s.names(), s.urls, s.method) for s in view.sets]
    first = verdicts[0]
    lookalike = next((v for v in verdicts if v.scheme in REASONS and v.scheme != "oauth"), None)
    if lookalike is not None and any(v.scheme in ("marketplace-signature", "member")
                                     for v in verdicts):
        return Verdict("marketplace-signature",
                       f"the same headers also go out in a {lookalike.scheme} request "
                       f"({lookalike.evidence}), which must keep signing; split them first",
                       first.signature, lookalike.evidence)
    return lookalike or next((v for v in verdicts if v.scheme != "member"), first)


def _one_verdict(repo: Repository, view: SiteView, others: dict[str, Entry],
                 urls: list[Value], sent: str | None = None) -> Verdict:
    own = view.names()
    effective: dict[str, Entry] = dict(others)
    effective.update(view.whole_names())
    effective.update(own)
    signature_entry = own.get(_SIGNATURE) or _dynamic_signature(view)
    signature = read_signature(signature_entry.value) if signature_entry is not None else None
    lookalike, evidence = _lookalike(repo, view, effective, signature, urls)
    token = _sends_token(effective)
    if signature is not None:
        if signature.kind == "fake":
            return Verdict("fake-signature", signature=signature, evidence=signature.why)
        if lookalike is not None:
            return Verdict(lookalike, signature=signature, evidence=evidence)
        if token:
            return Verdict("hybrid", "this code already has an OAuth path beside the legacy one: "
                                     "remove the legacy branch by hand, or use the rollout switch",
                           signature)
        if signature.kind == "three-fields":
            return Verdict("affiliate-signature", signature=signature, evidence="signs three fields")
        if signature.kind == "marketplace":
            why = "a header name is built at run time; the legacy headers cannot be told apart" \
                if view.site.dynamic else _method_mismatch(others.get(_SIGNATURE), sent)
            return Verdict("marketplace-signature", why, signature)
        if signature.kind in ("cached", "parameter"):
            return Verdict("marketplace-signature", signature.why, signature)
        return Verdict("unknown", f"Walmart signature headers whose value this tool cannot "
                                  f"follow: {signature.why}; check by hand", signature)
    if own.keys() & _LEGACY:
        if lookalike is not None:
            return Verdict(lookalike, evidence=evidence)
        if token:
            return Verdict("oauth", evidence="a token is sent")
        if _marketplace_signature(others.get(_SIGNATURE)):
            return Verdict("member")
        names = ", ".join(sorted(own.keys() & _LEGACY))
        return Verdict("no-signature", f"sends {names} without a Marketplace signature in the same "
                                       "request: not a legacy signing site; nothing to migrate")
    if lookalike is not None:
        return Verdict(lookalike, evidence=evidence)
    return Verdict("oauth", evidence="a token is sent")


def _method_mismatch(entry: Entry | None, sent: str | None) -> str:
    """A signature over one method on a request sent with another (it never worked, or works
    by accident): fixing it is a person's call."""
    if entry is None or sent is None:
        return ""
    signed = read_signature(entry.value).method
    method = strip(signed) if signed is not None else None
    if isinstance(method, Lit) and method.text.upper() != sent:
        return f"signs {method.text.upper()} but sends {sent}: fix the method by hand"
    return ""


def _dynamic_signature(view: SiteView) -> Entry | None:
    if not view.site.dynamic:
        return None
    for entry in view.entries:
        if fold(entry.name) is None and read_signature(entry.value).kind == "marketplace":
            return entry
    return None


def _marketplace_signature(entry: Entry | None) -> bool:
    return entry is not None and read_signature(entry.value).kind == "marketplace"


def _sends_token(effective: dict[str, Entry]) -> bool:
    if _TOKEN in effective:
        return True
    authorization = effective.get("AUTHORIZATION")
    return authorization is not None and render(authorization.value).lower().startswith("bearer")


def _lookalike(repo: Repository, view: SiteView, effective: dict[str, Entry],
               signature: Signature | None, urls: list[Value]) -> tuple[str | None, str]:
    """The look-alike scheme the evidence points to, and the evidence."""
    tenant = effective.get(_TENANT)
    if tenant is not None and canada_text(render(tenant.value)):
        return "canada-signature", f"{TENANT_ID}: {render(tenant.value)}"
    locale = effective.get(_LOCALE)
    if locale is not None and render(locale.value).lower().endswith("_ca"):
        return "canada-signature", f"{_LOCALE}: {render(locale.value)}"
    three = effective.keys() & _THREE
    if three:
        return "affiliate-signature", ", ".join(sorted(three))
    urls = list(urls)
    if signature is not None and signature.url is not None:
        urls.append(signature.url)
    for url in urls:
        text = render(url)
        scheme = lookalike_url(text)
        if scheme is not None:
            return scheme, text
    found = _class_evidence(repo, view.context)
    if found is not None:
        return "canada-signature", found
    if view.site.function in view.file.canada_functions:
        return "canada-signature", "a Canada URL or tenant written beside it"
    return None, ""


def _class_evidence(repo: Repository, context: str | None) -> str | None:
    """Canada evidence kept by the class itself or its bases: class attributes, ``__init__``
    attributes and default headers, in any module."""
    if context is None:
        return None
    for klass in repo.mro(context):
        summary = repo.classes[klass]
        for name, value in summary.attrs.items():
            text = render(repo.ev(value, None))
            if canada_text(text):
                return f"{klass.rpartition('.')[2]}.{name} = {text!r}"
        init = repo.functions.get(summary.methods.get("__init__", ""))
        if init is None:
            continue
        for name, stores in init.attr_writes.items():
            for store in stores:
                text = render(repo.ev(store.value, context))
                if canada_text(text):
                    return f"self.{name} = {text!r} in {klass.rpartition('.')[2]}.__init__"
        for write in init.path_writes:
            for value in ([write.entry] if write.entry is not None else []) + \
                    ([write.spread] if write.spread is not None else []):
                for entry in repo.entries(_as_mapping(value), context):
                    if fold(entry.name) in (_TENANT, _LOCALE) and \
                            (canada_text(render(repo.ev(entry.value, context))) or
                             render(repo.ev(entry.value, context)).lower().endswith("_ca")):
                        return f"{fold(entry.name)} in {klass.rpartition('.')[2]}.__init__"
    return None


def _as_mapping(value: Value) -> Value:
    from codemods.flow.values import Mapping

    return Mapping((value,), ()) if isinstance(value, Entry) else value


_ = (strip, describe, Via, _CONSUMER, _TIMESTAMP)

"""Join what every file holds into decisions: per scope, migrate or leave for a person (and
why); per function, the credentials the token call gets; across the repository, what is
renamed and which signing helpers the rewrite leaves without a caller."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

from codemods.flow.facts import Credential, FileFacts, HelperFacts, SiteFacts
from codemods.flow.renames import RenamePlan
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

__all__ = ["Decision", "RepoPlan", "SiteDecision", "TokenCall", "plan_repository"]

LOOKALIKE_REASONS = {
    "canada-signature": "legacy Canada Marketplace (WALMART.CA, /v3/ca/): still signature-based; "
                        "moving it to OAuth means the Global Marketplace APIs, a product decision; "
                        "not migrated",
    "affiliate-signature": "Walmart I/O affiliate signature (WM_CONSUMER.INTIMESTAMP, "
                           "WM_SEC.KEY_VERSION): still the current scheme for that API; not migrated",
    "fake-signature": "legacy header names with a non-RSA signature (hashlib/hmac): not the "
                      "Marketplace scheme; not migrated",
    "oauth": "already sends WM_SEC.ACCESS_TOKEN; nothing to migrate",
}


@dataclass(frozen=True)
class SiteDecision:
    scheme: str
    action: str  # rewritten, manual, ignored
    message: str


@dataclass(frozen=True)
class TokenCall:
    """What replaces the signature in one function: the token call's arguments."""

    client_id: str | None  # code, already renamed; None: let the shim read WALMART_CLIENT_ID
    client_secret: str | None
    url: str | None = None  # for the rollout target: the URL and method that were signed
    method: str | None = None
    consumer_id: str | None = None  # legacy credentials, kept by the rollout target
    private_key: str | None = None


@dataclass
class Decision:
    scope: str
    scheme: str
    action: str
    reason: str


@dataclass
class RepoPlan:
    target: str = "oauth"
    decisions: dict[str, Decision] = field(default_factory=dict)
    sites: dict[tuple[str, int, int], SiteDecision] = field(default_factory=dict)  # (module, line, col)
    token_calls: dict[str, TokenCall] = field(default_factory=dict)  # function -> call
    renames: RenamePlan = field(default_factory=RenamePlan)
    dead_helpers: set[str] = field(default_factory=set)
    kept_helpers: dict[str, str] = field(default_factory=dict)  # helper -> why it stays
    header_constants: dict[str, str] = field(default_factory=dict)  # qualname -> header
    referenced_elsewhere: set[str] = field(default_factory=set)  # loaded from another module
    # Kinds of site each module has in a scope being rewritten: a codemod for another kind
    # has nothing to do there and can hand the tree on untouched.
    rewrite_kinds: dict[str, set[str]] = field(default_factory=dict)

    def rewrites(self, scope: str) -> bool:
        decision = self.decisions.get(scope)
        return decision is not None and decision.action == "rewritten"

    def old_names(self) -> set[str]:
        """Names a file must mention to need the rename pass even without a Walmart marker."""
        return self.renames.old_names()


def _scheme(site: SiteFacts, facts: FileFacts, helper: HelperFacts | None) -> str:
    headers = set(site.headers)
    if headers & {INTIMESTAMP, KEY_VERSION}:
        return "affiliate-signature"
    if site.scope in facts.canada_scopes or TENANT_ID in headers:
        return "canada-signature"
    legacy = headers & LEGACY
    if ACCESS_TOKEN in headers:
        return "hybrid" if legacy else "oauth"
    if site.signature[0] == "rollout":
        return "marketplace-signature"
    kind = helper.kind if helper else (site.signature[1] if site.signature[0] == "inline" else None)
    if kind == "fake":
        return "fake-signature"
    if kind in ("rsa", "jar"):
        return "marketplace-signature"
    if site.signature[0] == "none" and legacy:
        return "marketplace-signature"  # decided with the rest of its scope
    return "marketplace-signature" if legacy else "unknown"


@dataclass
class _Site:
    facts: SiteFacts
    file: FileFacts
    scheme: str
    helper: HelperFacts | None
    problem: str | None = None


class _Planner:
    def __init__(self, files: list[FileFacts], target: str, exact: dict[str, str]) -> None:
        self.files = files
        self.plan = RepoPlan(target=target, renames=RenamePlan(exact=exact))
        self.helpers = {h.qualname: h for f in files for h in f.helpers}
        self.by_module = {f.module: f for f in files}
        for file in files:
            for name, header in file.header_constants.items():
                self.plan.header_constants[f"{file.module}.{name}"] = header
            for counts in file.references.values():
                self.plan.referenced_elsewhere.update(
                    q for q in counts if not q.startswith(file.module + "."))

    def run(self) -> RepoPlan:
        sites = [self._site(s, f) for f in self.files for s in f.sites]
        scopes: dict[str, list[_Site]] = {}
        for site in sites:
            scopes.setdefault(site.facts.scope, []).append(site)
        for scope, members in scopes.items():
            self._decide(scope, members)
        self._caller_sources()
        self._dead_helpers(sites)
        return self.plan

    def _caller_sources(self) -> None:
        """Values passed for renamed parameters: environment reads and settings follow."""
        from codemods.flow.credentials import follow_source

        renames = self.plan.renames
        for callee in renames.kwargs:
            renames.positions[callee] = self._signature(callee)
        for file in self.files:
            for function, defaults in file.param_defaults.items():
                for name, leaf in defaults.items():
                    if name in renames.params.get(function, {}):
                        follow_source(self, file, leaf, f"default for {name}", function)
            for call in file.calls:
                renamed = renames.kwargs.get(call.callee)
                if not renamed:
                    continue
                params = self._signature(call.callee)
                for key, leaf in call.sources:
                    name = params[int(key)] if key.isdigit() and int(key) < len(params) else key
                    if name in renamed:
                        follow_source(self, file, leaf, f"value for {name}", call.scope)

    def _signature(self, callee: str) -> tuple[str, ...]:
        for file in self.files:
            if callee in file.signatures:
                return file.signatures[callee]
        return ()

    def _site(self, facts: SiteFacts, file: FileFacts) -> _Site:
        kind, detail = facts.signature
        helper = self.helpers.get(detail) if kind == "helper" else None
        scheme = _scheme(facts, file, helper)
        site = _Site(facts, file, scheme, helper)
        if scheme == "marketplace-signature":
            site.problem = self._problem(site)
        return site

    def _problem(self, site: _Site) -> str | None:
        facts = site.facts
        kind, detail = facts.signature
        if facts.dynamic_key:
            return "a header name is built at run time; the legacy headers cannot be told apart"
        if kind in ("cached", "unknown"):
            return detail
        if kind == "helper" and site.helper is None:
            return (f"the signature comes from {detail}, which is not a signing helper found in "
                    "this repository")
        signed = facts.signed_method or self._literal_method(site)
        if signed and facts.sent_method and signed.upper() != facts.sent_method:
            return f"signs {signed.upper()} but sends {facts.sent_method}: fix the method by hand"
        return None

    def _literal_method(self, site: _Site) -> str | None:
        helper = site.helper
        if helper is None or helper.method_param is None:
            return None
        index = str(helper.params.index(helper.method_param))
        for key in (index, helper.method_param):
            code = site.facts.call_args.get(key)
            if code and code[:1] in "\"'" and code[-1:] == code[:1]:
                return code[1:-1]
            credential = site.facts.call_credentials.get(key)
            if credential is not None and credential.kind == "param":
                site.facts.method_param = credential.name
        return None

    # -- scopes -----------------------------------------------------------------------------
    def _decide(self, scope: str, members: list[_Site]) -> None:
        schemes = {m.scheme for m in members}
        if "hybrid" in schemes or ("oauth" in schemes and "marketplace-signature" in schemes):
            self._settle(scope, members, "hybrid", "manual",
                         "this code already has an OAuth path beside the legacy one: remove the "
                         "legacy branch by hand, or use the rollout switch")
            return
        marketplace = [m for m in members if m.scheme == "marketplace-signature"]
        if self.plan.target == "rollout" and marketplace and \
                all(m.facts.signature[0] == "rollout" for m in marketplace):
            self._settle(scope, marketplace, "marketplace-signature", "ignored",
                         "already on the rollout switch (shim.auth_headers); run --target oauth "
                         "to finish the migration")
            return
        for member in members:
            if member.scheme in LOOKALIKE_REASONS:
                self._record(member, member.scheme, "ignored", LOOKALIKE_REASONS[member.scheme])
            elif member.scheme == "unknown":
                self._record(member, "unknown", "manual",
                             "Walmart headers with no signature this tool can trace; check by hand")
        if not marketplace:
            if members:
                first = members[0]
                self.plan.decisions[scope] = Decision(scope, first.scheme,
                                                      "ignored" if first.scheme in LOOKALIKE_REASONS
                                                      else "manual", "")
            return
        problem = next((m for m in marketplace if m.problem), None) or \
            self._caller_problem(scope, marketplace)
        if problem is None:
            before = copy.deepcopy(self.plan.renames)
            problem = self._credential_problem(scope, marketplace)
            if problem is not None:  # renames are all or nothing for a scope
                self.plan.renames = before
        if problem is not None:
            reason = problem.problem or ""
            for member in marketplace:
                message = reason if member is problem else (
                    f"left as it is: the site at line {problem.facts.line} of the same "
                    f"{'class' if '.<module>' not in scope else 'module'} needs a person ({reason})")
                self._record(member, "marketplace-signature", "manual", message)
            self.plan.decisions[scope] = Decision(scope, "marketplace-signature", "manual", reason)
            return
        self.plan.decisions[scope] = Decision(scope, "marketplace-signature", "rewritten", "")
        for member in marketplace:
            self.plan.rewrite_kinds.setdefault(member.file.module, set()).add(member.facts.kind)
            self._record(member, "marketplace-signature", "rewritten", self._rewrite_message(member))

    def _settle(self, scope: str, members: list[_Site], scheme: str, action: str, reason: str) -> None:
        self.plan.decisions[scope] = Decision(scope, scheme, action, reason)
        for member in members:
            self._record(member, scheme, action, reason)

    def _record(self, site: _Site, scheme: str, action: str, message: str) -> None:
        key = (site.file.module, site.facts.line, site.facts.column)
        self.plan.sites[key] = SiteDecision(scheme, action, message)

    def _rewrite_message(self, site: _Site) -> str:
        call = self.plan.token_calls.get(site.facts.function)
        if AUTH_SIGNATURE not in site.facts.headers:
            removed = sorted(set(site.facts.headers) & {CONSUMER_ID, TIMESTAMP})
            return f"removed {', '.join(removed)} (OAuth sends only the token)"
        if self.plan.target == "rollout":
            return "legacy headers replaced by shim.auth_headers(...): legacy, OAuth or canary at run time"
        function = "aaccess_token" if site.facts.is_async else "access_token"
        arguments = ", ".join(a for a in (call.client_id, call.client_secret) if a) if call else ""
        return f"signature headers replaced by WM_SEC.ACCESS_TOKEN from shim.{function}({arguments})"

    # -- credentials ------------------------------------------------------------------------
    def _bind(self, site: _Site, which: str) -> Credential | None:
        """The credential (consumer or key) a site's signature was made with, in its function."""
        helper, facts = site.helper, site.facts
        if facts.signature[0] in ("inline", "rollout"):
            return facts.call_credentials.get("<consumer>" if which == "consumer" else "<key>") \
                or (facts.consumer if which == "consumer" else None)
        if helper is None:
            return facts.consumer if which == "consumer" else None
        source = helper.consumer if which == "consumer" else helper.key
        if source is None:
            return facts.consumer if which == "consumer" else None
        # A local the helper read it through is the helper's own, not the site's.
        source = replace(source, local="")
        if source.kind == "param":
            index = str(helper.params.index(source.name)) if source.name in helper.params else ""
            return facts.call_credentials.get(index) or facts.call_credentials.get(source.name)
        if source.kind == "attr":
            owner = helper.qualname.rsplit(".", 1)[0]
            return source if helper.is_method and owner == facts.scope else None
        if source.kind == "global":
            module = helper.qualname.rsplit(".", 1)[0] if not helper.is_method else \
                helper.qualname.rsplit(".", 2)[0]
            if module == site.file.module:
                return source
            return Credential("module-attr", f"{module}.{source.name}", source.code)
        return source if source.kind == "env" else None

    def _credential_problem(self, scope: str, members: list[_Site]) -> _Site | None:
        from codemods.flow.credentials import plan_credentials

        return plan_credentials(self, scope, members)

    def _caller_problem(self, scope: str, members: list[_Site]) -> _Site | None:
        """A header builder also used by look-alike code, or called with a method it does not
        send, cannot be rewritten for one caller without breaking the other."""
        functions = {m.facts.function: m for m in members}
        for file in self.files:
            for call in file.calls:
                member = functions.get(call.callee)
                if member is None:
                    continue
                caller_scheme = self.plan.decisions.get(call.scope)
                if call.scope in file.canada_scopes or (
                        caller_scheme and caller_scheme.scheme in LOOKALIKE_REASONS):
                    member.problem = (f"{call.callee.rsplit('.', 1)[-1]}() is also used by "
                                      f"{call.scope} (a look-alike scheme that must keep signing)")
                    return member
                param = member.facts.method_param
                if param and call.sent_method:
                    signature = file.signatures.get(call.callee) or \
                        self.by_module.get(member.file.module, file).signatures.get(call.callee, ())
                    index = str(signature.index(param)) if param in signature else ""
                    literal = dict(call.literals).get(index) or dict(call.literals).get(param)
                    if literal and literal.upper() != call.sent_method:
                        member.problem = (f"a caller in {call.scope} signs {literal.upper()} but "
                                          f"sends {call.sent_method}: fix the method by hand")
                        return member
        return None

    # -- helpers left without callers --------------------------------------------------------
    def _dead_helpers(self, sites: list[_Site]) -> None:
        consumed: dict[tuple[str, str], set[tuple[int, int]]] = {}
        for site in sites:
            kind, detail = site.facts.signature
            if kind == "helper" and site.facts.signing_call and self.plan.rewrites(site.facts.scope):
                consumed.setdefault((site.facts.function, detail), set()).add(site.facts.signing_call)
        for qualname in self.helpers:
            users: set[str] = set()
            for file in self.files:
                for where, counts in file.references.items():
                    count = counts.get(qualname, 0)
                    if where == qualname or not count:
                        continue
                    if count > len(consumed.get((where, qualname), ())):
                        users.add(_user(file, where))
            method = qualname.rsplit(".", 1)[-1]
            public_method = self.helpers[qualname].is_method and not method.startswith("_")
            if public_method:
                users.update(f.path or f.module for f in self.files
                             if method in f.attribute_names and
                             f.module != qualname.rsplit(".", 2)[0])
            if not any(q == qualname for _, q in consumed):
                continue  # the migration does not touch it: neither removed nor marked
            if users:
                self.plan.kept_helpers[qualname] = _kept(qualname, users)
            else:
                self.plan.dead_helpers.add(qualname)


def _user(file: FileFacts, where: str) -> str:
    """``tools/resign.py (resign)``: the file as the seller sees it, and the function."""
    place = file.path or file.module
    function = where.removeprefix(file.module + ".")
    return place if function in ("", where) or function.startswith("<") else f"{place} ({function})"


def _kept(qualname: str, users: set[str]) -> str:
    named = sorted(users)
    shown = ", ".join(named[:3]) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
    return (f"{qualname.rsplit('.', 1)[-1]}() still signs for {shown}: kept; migrate those "
            "callers, then delete it")


def plan_repository(files: list[FileFacts], target: str = "oauth",
                    exact: dict[str, str] | None = None) -> RepoPlan:
    return _Planner(files, target, exact or {}).run()

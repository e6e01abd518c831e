"""Decisions for the whole repository, from every file's summary.

1. Judge every site (``codemods.flow.judge``): its scheme from its effective header sets.
2. Group sites into auth units: sites whose headers end up in the same request, and sites
   whose rewrite touches the same attribute, parameter, setting or statement.
3. A unit is rewritten only when every site in it is a Marketplace site with nothing left
   for a person, its credentials can be carried to every token call, and none of its
   renames reaches code of a look-alike; otherwise nothing in it changes.
4. Edits (by position in the original source), renames, the helpers left unused, one finding
   per site - and one for every legacy header name or signing call no site accounts for."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from codemods.findings import Finding
from codemods.flow.credentials import Credentials, Problem, StoreEdit
from codemods.flow.dead import analyse, dead_code
from codemods.flow.headersets import HeaderSets, fold
from codemods.flow.judge import REASONS, Judged, judge_sites
from codemods.flow.library import strip
from codemods.flow.recognise import Signature, credential_root, describe, read_signature
from codemods.flow.renames import ConfigNote, LegacyNames, RenamePlan
from codemods.flow.repository import Repository, children
from codemods.flow.summary import AttributeRead, FileSummary, Span
from codemods.flow.values import (
    Entry,
    Field,
    Global,
    Loc,
    Local,
    Param,
    Self,
    SelfAttr,
    Seq,
    Value,
    Via,
    Zip,
)
from codemods.names import ACCESS_TOKEN, AUTH_SIGNATURE, CONSUMER_ID, LEGACY

__all__ = ["Edit", "RepoPlan", "TokenCall", "plan_repository"]

HANDLER = {"dict": "header-dict", "pairs": "header-dict", "zip": "header-dict",
           "subscript": "header-subscript", "call": "header-call"}
_LEGACY = {h.upper() for h in LEGACY}
_SIGNATURE = AUTH_SIGNATURE.upper()
_CONSUMER = CONSUMER_ID.upper()


@dataclass(frozen=True)
class TokenCall:
    """What replaces the signature at one site: the token call's arguments, as code."""

    client_id: str | None
    client_secret: str | None
    url: str | None = None  # for the rollout target: the URL and method that were signed
    method: str | None = None
    consumer_id: str | None = None  # legacy credentials, kept by the rollout target
    private_key: str | None = None
    is_async: bool = False

    def code(self, target: str) -> str:
        if target == "rollout":
            arguments = [f"{name}={value}" for name, value in (
                ("consumer_id", self.consumer_id), ("private_key", self.private_key),
                ("url", self.url), ("method", self.method)) if value]
            function = "aauth_headers" if self.is_async else "auth_headers"
        else:
            arguments = [a for a in (self.client_id, self.client_secret) if a]
            function = "aaccess_token" if self.is_async else "access_token"
        text = f"shim.{function}({', '.join(arguments)})"
        return f"await {text}" if self.is_async else text


@dataclass(frozen=True)
class Edit:
    """One change, at a position (line, column) of the original file.

    action: ``drop`` (the entry goes), ``token`` (the entry becomes the token header, its
    value ``text``), ``rollout`` (the entry becomes ``text``, the rollout call), ``insert``
    (``text`` goes first in the dict or sequence at this position), ``replace`` (a statement
    becomes the statements in ``text``, one per line). ``kind`` says what is at the position:
    dict, pair, zip-name, zip-value, subscript, call, store."""

    line: int
    column: int
    action: str
    codemod: str
    kind: str
    text: str = ""


@dataclass
class Decision:
    scope: str
    scheme: str
    action: str
    reason: str


@dataclass
class RepoPlan:
    target: str = "oauth"
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # module -> findings
    edits: dict[str, list[Edit]] = field(default_factory=dict)
    renames: RenamePlan = field(default_factory=RenamePlan)
    decisions: dict[str, Decision] = field(default_factory=dict)  # scope -> decision
    dead_helpers: set[str] = field(default_factory=set)
    kept_helpers: dict[str, str] = field(default_factory=dict)  # helper -> why it stays
    referenced_elsewhere: set[str] = field(default_factory=set)  # loaded from another module
    # What each legacy header name and signing call was accounted for by: module ->
    # (kind, line, column) -> (module, line) of its finding - every occurrence has one - or
    # None for a ``.sign()`` call that turned out not to sign.
    accounted: dict[str, dict[tuple[str, int, int], tuple[str, int] | None]] = \
        field(default_factory=dict)
    # Functions whose locals the rewrite may leave unused, per module.
    touched_functions: dict[str, set[str]] = field(default_factory=dict)
    imports: dict[str, set[str]] = field(default_factory=dict)  # module -> modules code needs
    # Names a unit left for a person would have renamed: code naming them may be what it
    # could not see (a caller passing the credentials), and is worth reading.
    wanted: set[str] = field(default_factory=set)

    def rewrites(self, scope: str) -> bool:
        decision = self.decisions.get(scope)
        return decision is not None and decision.action == "rewritten"

    def old_names(self) -> set[str]:
        return self.renames.old_names()

    def modules_to_edit(self) -> set[str]:
        return set(self.edits) | self.renames.modules_by_position()

    def for_module(self, module: str) -> RepoPlan:
        """What rewriting ``module`` reads of the plan: its own part (``own_part``) and what
        every module's part shares - renames and helpers, named by qualified name. A file is
        rewritten with this part alone, so its outcome is a function of the part: an edit
        elsewhere that only moves lines (findings and edits are by position) leaves it as it
        was, and the run's cache still answers for it. What no rewrite reads is left out:
        the accounting, the functions touched, the names wanted, the notes on config files."""
        own = self.own_part(module)
        renames = dataclasses.replace(self.renames, config=[], attr_sites=own.pop("attr_sites"),
                                      key_sites=own.pop("key_sites"))
        return dataclasses.replace(self, renames=renames, accounted={}, touched_functions={},
                                   wanted=set(), **own)

    def own_part(self, module: str) -> dict[str, Any]:
        """The module's own findings, edits, imports and positions renamed, and the decisions
        on its scopes as rewriting reads them (their action; their reasons can name lines of
        other files)."""
        def own(table: dict[str, Any]) -> dict[str, Any]:
            return {module: table[module]} if module in table else {}

        inside = module + "."
        decisions = {scope: Decision(scope, "", decision.action, "")
                     for scope, decision in self.decisions.items()
                     if scope == module or scope.startswith(inside)}
        return {"findings": own(self.findings), "edits": own(self.edits),
                "imports": own(self.imports), "decisions": decisions,
                "attr_sites": own(self.renames.attr_sites),
                "key_sites": own(self.renames.key_sites)}

    def has_work_in(self, module: str) -> bool:
        """Whether the second pass has anything to do in ``module`` beyond renaming by name:
        edits, findings, helpers to remove or mark, imports to add."""
        inside = module + "."
        return module in self.modules_to_edit() or bool(self.findings.get(module)) or \
            module in self.imports or module in self.touched_functions or \
            any(q.startswith(inside) for q in (*self.dead_helpers, *self.kept_helpers))


class _Units:
    """Union-find over site keys."""

    def __init__(self) -> None:
        self.parent: dict[Loc, Loc] = {}

    def find(self, key: Loc) -> Loc:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: Loc, b: Loc) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self, keys: list[Loc]) -> list[list[Loc]]:
        found: dict[Loc, list[Loc]] = {}
        for key in keys:
            found.setdefault(self.find(key), []).append(key)
        return list(found.values())


@dataclass
class _SitePlan:
    judged: Judged
    call: TokenCall | None = None
    touched: set[tuple[object, ...]] = field(default_factory=set)
    problem: str | None = None
    stores: dict[Loc, StoreEdit] = field(default_factory=dict)
    imports: dict[str, set[str]] = field(default_factory=dict)
    reads: set[str] = field(default_factory=set)  # settings the token call reads elsewhere
    attempted: set[str] = field(default_factory=set)  # names the rewrite would rename


class Planner:
    def __init__(self, files: list[FileSummary], target: str, exact: dict[str, str]) -> None:
        self.repo = Repository(files)
        self.sets = HeaderSets(self.repo)
        self.plan = RepoPlan(target=target, renames=RenamePlan(exact=exact))
        self.target = target
        self._families: dict[str, str] = {}
        # id(value), context, depth -> (the value, kept alive while its id is, its carriers)
        self._carried: dict[tuple[int, str | None, int],
                            tuple[Value, set[tuple[object, ...]]]] = {}
        self.stores: dict[Loc, StoreEdit] = {}  # statements replaced, over every unit
        self.committed: list[_SitePlan] = []  # sites of the units rewritten so far

    def run(self) -> RepoPlan:
        judged = judge_sites(self.repo, self.sets)
        by_key = {j.key: j for j in judged}
        units = _Units()
        plans: dict[Loc, _SitePlan] = {}
        for item in judged:
            if item.scheme == "marketplace-signature" and item.action is None:
                plans[item.key] = self._site_plan(item, RenamePlan(exact=self.plan.renames.exact))
        self._link(judged, plans, units)
        rewritten: list[_SitePlan] = []
        for group in units.groups(list(by_key)):
            members = [by_key[k] for k in group]
            rewritten.extend(self._decide(members, plans, judged))
        self._record_edits(rewritten)
        self._config_findings()
        dead_code(self.repo, self.plan, rewritten, self.stores)
        self._referenced_elsewhere()
        self._account(judged)
        return self.plan

    # -- one site -----------------------------------------------------------------------------
    def _site_plan(self, item: Judged, renames: RenamePlan) -> _SitePlan:
        plan = _SitePlan(item)
        plan.touched = {("entry", e.loc) for view in item.views for e in view.entries
                        if fold(e.name) in _LEGACY}
        if item.site.kind == "zip" and item.site.zip_args is not None:
            plan.touched |= {("seq", loc) for loc in self._zip_sequences(item)}
        if item.signature is None:
            return plan  # a consumer id or timestamp beside a signature set elsewhere
        # The rollout target keeps the legacy credentials under their names.
        credentials = Credentials(self.repo, LegacyNames() if self.target == "rollout" else renames)
        try:
            plan.call = self._token_call(item, credentials)
        except Problem as problem:
            plan.problem = str(problem)
        plan.touched |= credentials.touched
        plan.stores = credentials.stores
        plan.imports = credentials.imports
        plan.reads = credentials.reads
        plan.attempted = credentials.renames.old_names()
        plan.touched |= {("store", loc) for loc in credentials.stores}
        return plan

    def _token_call(self, item: Judged, credentials: Credentials) -> TokenCall:
        signature = item.signature
        assert signature is not None
        function = item.site.function
        codes: set[tuple[str, str]] = set()
        rollout = self.target == "rollout"
        problems: list[Problem] = []
        for view in item.views:
            own = view.names()
            sign = read_signature(own[_SIGNATURE].value) if _SIGNATURE in own else signature
            if sign.kind != "marketplace":
                continue
            consumer = self._consumer(own, sign)
            key = sign.key
            try:
                if consumer is None or key is None:
                    raise Problem("cannot tell which credentials sign here")
                if rollout:
                    codes.add((credentials.express(consumer, function, "consumer id"),
                               credentials.express(key, function, "private key")))
                else:
                    codes.add((credentials.express(consumer, function, "client id"),
                               credentials.express(key, function, "client secret")))
            except Problem as problem:
                # A mixin or abstract base on its own leaves its attributes to the classes
                # built from it: those are the ones that must work.
                if not self.repo.abstract(view.context, [v.context for v in item.views]):
                    problems.append(problem)
        if problems:
            raise problems[0]
        if len(codes) != 1:
            raise Problem("the subclasses of this client sign with different credentials")
        client_id, client_secret = codes.pop()
        if rollout:
            url = _code_at(signature.url, function, "URL")
            method = _code_at(signature.method, function, "method")
            return TokenCall(None, None, url, method, client_id, client_secret, item.site.is_async)
        return TokenCall(client_id, client_secret, is_async=item.site.is_async)

    @staticmethod
    def _consumer(own: dict[str, Entry], signature: Signature) -> Value | None:
        """The consumer id: from the WM_CONSUMER.ID header beside the signature when it is the
        same credential (it is in the site's own function), else the signed one."""
        entry = own.get(_CONSUMER)
        signed = signature.consumer
        if entry is not None and signed is not None:
            value = entry.value
            if credential_root(strip(value)) == credential_root(strip(signed)):
                return value
        return signed

    def _zip_sequences(self, item: Judged) -> list[Loc]:
        assert item.site.zip_args is not None
        found = []
        for part in item.site.zip_args:
            for view in item.views[:1]:
                seq = strip(self.repo.ev(part, view.context))
                if isinstance(seq, Seq):
                    found.append(seq.loc)
        return found

    # -- units --------------------------------------------------------------------------------
    def _link(self, judged: list[Judged], plans: dict[Loc, _SitePlan], units: _Units) -> None:
        by_entry: dict[Loc, Loc] = {}
        for item in judged:
            units.find(item.key)
            for view in item.views:
                for entry in view.entries:
                    by_entry.setdefault(entry.loc, item.key)
        for item in judged:  # headers that end up in one request, or in one dict
            for view in item.views:
                locs = {e.loc for e in view.whole} | {loc for s in view.sets for loc in s.locs()}
                for loc in locs:
                    other = by_entry.get(loc)
                    if other is not None:
                        units.union(item.key, other)
        owners: dict[tuple[object, ...], Loc] = {}
        for key, plan in plans.items():  # rewrites touching the same things
            for touched in plan.touched:
                if touched[0] == "env":
                    continue  # environment renames are scoped to where the credentials flow
                if touched in owners:
                    units.union(key, owners[touched])
                else:
                    owners[touched] = key

    def _decide(self, members: list[Judged], plans: dict[Loc, _SitePlan],
                judged: list[Judged]) -> list[_SitePlan]:
        marketplace = [m for m in members if m.scheme == "marketplace-signature"]
        oauth = [m for m in members if m.scheme in ("oauth", "hybrid")]
        for member in members:
            if member.scheme != "marketplace-signature":
                self._finding(member, member.scheme, member.action or "ignored", member.message)
        if not marketplace:
            return []
        reason: str | None = None
        if oauth and any(m.signature is not None for m in marketplace):
            reason = ("this code already has an OAuth path beside the legacy one: remove the "
                      "legacy branch by hand, or use the rollout switch")
            for member in marketplace:
                self._finding(member, "hybrid", "manual", reason)
            return []
        signatures = [m.signature for m in marketplace if m.signature is not None]
        if self.target == "rollout" and signatures and all(s.style == "rollout" for s in signatures):
            for member in marketplace:
                self._finding(member, "marketplace-signature", "ignored",
                              "already on the rollout switch (shim.auth_headers); run --target "
                              "oauth to finish the migration", member.signature)
            return []
        blocking = next((m for m in marketplace if m.action == "manual"), None)
        if blocking is not None:
            reason = blocking.message
        elif not any(m.signature is not None for m in marketplace):
            for member in marketplace:
                names = ", ".join(sorted(member.legacy))
                self._finding(member, "unknown", "ignored",
                              f"sends {names} without a Marketplace signature in the same "
                              "request: not a legacy signing site; nothing to migrate")
            return []
        else:
            problem = next((plans[m.key] for m in marketplace if plans[m.key].problem), None)
            if problem is not None:
                reason = problem.problem
                blocking = problem.judged
            else:
                blocking, reason = self._conflict(marketplace, plans, judged)
        if reason is not None:
            for member in marketplace:
                if member.key in plans:  # a site judged manual on its own has no plan
                    self.plan.wanted |= plans[member.key].attempted
                message = reason if member is blocking else (
                    f"left as it is: the site at line {blocking.key[1]} of "  # type: ignore[union-attr]
                    f"{blocking.file.path or blocking.file.module} needs a person ({reason})")  # type: ignore[union-attr]
                self._finding(member, "marketplace-signature", "manual", message, member.signature)
                self._decision(member, "manual", reason)
            return []
        final = self._commit(marketplace, plans)
        if final is None:
            return []
        for member in marketplace:
            self._decision(member, "rewritten", "")
        return final

    def _conflict(self, marketplace: list[Judged], plans: dict[Loc, _SitePlan],
                  judged: list[Judged]) -> tuple[Judged | None, str | None]:
        """A rename or edit of this unit that reaches code of a site left as it is."""
        touched = {t for m in marketplace for t in plans[m.key].touched if t[0] != "env"}
        keys = {m.key for m in marketplace}
        for other in judged:
            if other.key in keys or (other.scheme == "oauth" and not other.legacy):
                continue
            reads = self._reads(other)
            shared = touched & reads
            if shared:
                what = sorted(shared, key=str)[0]
                return marketplace[0], (
                    f"migrating it would rename {_touched_name(what)}, which the "
                    f"{other.scheme} site at line {other.key[1]} of "
                    f"{other.file.path or other.file.module} still uses; separate them first")
        return None, None

    def _reads(self, item: Judged) -> set[tuple[object, ...]]:
        found: set[tuple[object, ...]] = set()
        for view in item.views:
            for entry in view.entries:
                found |= self._carriers(entry.value, view.context)
        return found

    def _carriers(self, value: Value, context: str | None, depth: int = 0) -> set[tuple[object, ...]]:
        """What the value is read through. Values share parts (a credential reaches a
        header set by several ways): each part is walked once per depth it is met at."""
        key = (id(value), context, depth)
        known = self._carried.get(key)
        if known is None:
            known = self._carried[key] = (value, self._carriers_here(value, context, depth))
        return known[1]

    def _carriers_here(self, value: Value, context: str | None,
                       depth: int) -> set[tuple[object, ...]]:
        found: set[tuple[object, ...]] = set()
        if depth > 30:
            return found
        if isinstance(value, Via):
            carrier = value.carrier
            if isinstance(carrier, SelfAttr) and context is not None:
                found.add(("attr", self._family(context), carrier.name))
            elif isinstance(carrier, Global):
                found.add(("global", carrier.module, carrier.name))
            elif isinstance(carrier, Field):
                found |= self._carriers(carrier.base, context, depth + 1)
            if value.loc[1]:
                found.add(("store", value.loc))
        elif isinstance(value, Param):
            found.add(("param", value.function, value.name))
        for child in children(value):
            found |= self._carriers(child, context, depth + 1)
        return found

    def _family(self, klass: str) -> str:
        if klass not in self._families:
            family = Credentials(self.repo, RenamePlan()).family(klass)
            for member in family:
                self._families[member] = min(family)
        return self._families[klass]

    def _commit(self, marketplace: list[Judged], plans: dict[Loc, _SitePlan]) -> list[_SitePlan] | None:
        """Plan the unit's credentials into the real rename plan (all or nothing)."""
        before = copy.deepcopy(self.plan.renames)
        final: list[_SitePlan] = []
        stores: dict[Loc, StoreEdit] = {}
        for member in marketplace:
            plan = self._site_plan(member, self.plan.renames)
            problem = plan.problem
            if problem is None:
                problem = self._still_read(plan, [*self.committed, *final, plan])
            if problem is not None:
                self.plan.renames = before
                for other in marketplace:
                    self._finding(other, "marketplace-signature", "manual", problem,
                                  other.signature)
                return None
            for loc, edit in plan.stores.items():
                merged = stores.setdefault(loc, StoreEdit(loc, where=edit.where))
                merged.targets.update(edit.targets)
            for module, names in plan.imports.items():
                self.plan.imports.setdefault(module, set()).update(names)
            self.plan.referenced_elsewhere |= plan.reads
            final.append(plan)
        self._store_edits(stores)
        self.committed.extend(final)
        return final

    def _still_read(self, plan: _SitePlan, rewritten: list[_SitePlan]) -> str | None:
        """A statement the rewrite replaces kept something that code which stays still reads
        (``self._key`` used to sign something else too): then nothing can change."""
        if not plan.stores:
            return None
        stores = {loc: edit for p in rewritten for loc, edit in p.stores.items()}
        outcome = analyse(self.repo, rewritten, stores)
        renamed: dict[str, set[str]] = {}  # function -> its parameters the rewrite renames
        for touched in (t for p in rewritten for t in p.touched):
            if touched[0] == "param":
                renamed.setdefault(str(touched[1]), set()).add(str(touched[2]))
        for loc, edit in plan.stores.items():
            kept = [t for t, _ in edit.targets.values()]
            for name, reader in self._readers(loc):
                if outcome.removed(reader.loc, reader.function):
                    continue
                if len(kept) == 1 and kept[0].startswith("self.") and \
                        self._handed_on(reader, renamed):
                    # read under the name the raw credential is now kept as
                    self.plan.renames.attribute_at(reader.loc[0], reader.loc[1], reader.loc[2],
                                                   kept[0].partition(".")[2])
                    continue
                where = reader.function.rpartition(".")[2]
                return (f"{name} is also read by {where}() (line {reader.loc[1]} of "
                        f"{reader.loc[0]}), which the migration leaves as it is; migrate or "
                        "remove that use first")
        return None

    def _handed_on(self, reader: AttributeRead, renamed: dict[str, set[str]]) -> bool:
        """Every read of ``self.<name>`` in the reader's function hands it to a parameter the
        rewrite renames (``signature_headers(prepared, self.key)`` whose ``private_key`` becomes
        the secret): the raw credential kept there is what that parameter now wants."""
        if not isinstance(reader.receiver, Self):
            return False
        function = self.repo.functions.get(reader.function)
        if function is None:
            return False
        reads = sum(1 for file in self.repo.files.values() for read in file.attribute_reads
                    if read.function == reader.function and read.name == reader.name and
                    isinstance(read.receiver, Self))
        context = self.repo.context_of(reader.function)
        handed = 0
        for call in function.calls:
            for target, shift in self.repo.call_targets(call, context):
                for param in renamed.get(target, ()):
                    given = self.repo.argument(target, call, shift, param)
                    handed += given is not None and strip(given) == SelfAttr(reader.name)
        return handed >= reads

    def _readers(self, loc: Loc) -> list[tuple[str, AttributeRead]]:
        """Who reads the attribute a store at ``loc`` sets (within its class family)."""
        found: list[tuple[str, AttributeRead]] = []
        for function in self.repo.functions.values():
            for name, writes in function.attr_writes.items():
                if not any(w.loc == loc for w in writes):
                    continue
                owner = self.repo.class_of_function(function.qualname)
                family = set(Credentials(self.repo, RenamePlan()).family(owner)) if owner else set()
                for file in self.repo.files.values():
                    for read in file.attribute_reads:
                        if read.name != name:
                            continue
                        reader_class = self.repo.class_of_function(read.function)
                        if (isinstance(read.receiver, Self) and reader_class in family) or \
                                not isinstance(read.receiver, Self):
                            found.append((f"self.{name}", read))
        return found

    def _store_edits(self, stores: dict[Loc, StoreEdit]) -> None:
        for loc, edit in stores.items():
            self._edit(loc[0], Edit(loc[1], loc[2], "replace", "credentials", "store",
                                    "\n".join(edit.text())))
            self.stores[loc] = edit

    # -- edits and findings ---------------------------------------------------------------
    def _record_edits(self, rewritten: list[_SitePlan]) -> None:
        for plan in rewritten:
            item = plan.judged
            site = item.site
            module = item.file.module
            self.plan.touched_functions.setdefault(module, set()).add(site.function)
            codemod = HANDLER[site.kind]
            token = plan.call.code(self.target) if plan.call is not None else ""
            entries = self._site_entries(item)
            rollout_done = False
            if self.target == "rollout" and plan.call is not None and \
                    site.kind in ("dict", "pairs", "zip"):
                # First in a dict or a list of pairs; zipped pairs get the switch's own after.
                kind = "zip-call" if site.kind == "zip" else site.kind
                self._edit(module, Edit(site.loc[1], site.loc[2], "insert", codemod, kind, token))
                rollout_done = True
            for name, loc, value_loc in entries:
                kind = _edit_kind(site.kind)
                if name == _SIGNATURE and plan.call is not None and not rollout_done:
                    action = "rollout" if self.target == "rollout" else "token"
                    self._edit(loc[0], Edit(loc[1], loc[2], action, codemod, kind, token))
                    if value_loc is not None:
                        self._edit(value_loc[0], Edit(value_loc[1], value_loc[2], action, codemod,
                                                      "zip-value", token))
                else:
                    self._edit(loc[0], Edit(loc[1], loc[2], "drop", codemod, kind))
                    if value_loc is not None:
                        self._edit(value_loc[0], Edit(value_loc[1], value_loc[2], "drop", codemod,
                                                      "zip-value"))
            message = self._rewrite_message(plan)
            self._finding(item, "marketplace-signature", "rewritten", message, item.signature)

    def _site_entries(self, item: Judged) -> list[tuple[str, Loc, Loc | None]]:
        """(header, position of the entry, position of its value for zip) of each legacy entry."""
        found: list[tuple[str, Loc, Loc | None]] = []
        site = item.site
        view = item.views[0]
        if site.kind == "zip" and site.zip_args is not None:
            names = strip(self.repo.ev(site.zip_args[0], view.context))
            values = strip(self.repo.ev(site.zip_args[1], view.context))
            if isinstance(names, Seq) and isinstance(values, Seq):
                for index, entry in enumerate(self.repo.entries(Zip(names, values), view.context)):
                    name = fold(entry.name)
                    if name in _LEGACY and index < len(values.locs):
                        found.append((name, entry.loc, values.locs[index]))
            return found
        for entry in view.entries:
            name = fold(entry.name)
            if name in _LEGACY:
                found.append((name, entry.loc, None))
        return found

    def _edit(self, module: str, edit: Edit) -> None:
        edits = self.plan.edits.setdefault(module, [])
        if edit not in edits:
            edits.append(edit)

    def _rewrite_message(self, plan: _SitePlan) -> str:
        item = plan.judged
        if plan.call is None:
            removed = ", ".join(sorted(h for h in item.legacy if h != _SIGNATURE))
            return f"removed {removed} (OAuth sends only the token)"
        if self.target == "rollout":
            return "legacy headers replaced by shim.auth_headers(...): legacy, OAuth or canary at run time"
        function = "aaccess_token" if plan.call.is_async else "access_token"
        arguments = ", ".join(a for a in (plan.call.client_id, plan.call.client_secret) if a)
        return f"signature headers replaced by {ACCESS_TOKEN} from shim.{function}({arguments})"

    def _finding(self, item: Judged, scheme: str, action: str, message: str,
                 signature: Signature | None = None) -> None:
        findings = self.plan.findings.setdefault(item.file.module, [])
        _, line, column = item.report_loc
        findings[:] = [f for f in findings if (f.line, f.column) != (line, column)]
        chain = _chain(item, signature) if signature is not None else ()
        findings.append(Finding(line, column, scheme, HANDLER[item.site.kind], action, message, chain))

    def _config_findings(self) -> None:
        """A configuration file the code now reads under new keys: the deployment must hold
        the new credentials there, one finding per file where it is first read."""
        by_source: dict[str, list[ConfigNote]] = {}
        for note in self.plan.renames.config:
            by_source.setdefault(note.source, []).append(note)
        for source, notes in by_source.items():
            located = [n for n in notes if n.module and n.line]
            if not located:
                continue  # every read of it was built by the tool: the site's finding says it
            first = min(located, key=lambda n: (n.module, n.line, n.column))
            keys = dict(pair for note in notes for pair in note.keys)
            renamed = ", ".join(f"{old} -> {new}" for old, new in sorted(keys.items()))
            self.plan.findings.setdefault(first.module, []).append(Finding(
                first.line, first.column, "marketplace-signature", "config", "rewritten",
                f"{source[:1].upper()}{source[1:]} is now read under new keys ({renamed}): put "
                "the Client ID and Client Secret from the Developer Portal there before "
                "deploying - they are new credentials, not the consumer id or private key renamed"))

    def _decision(self, item: Judged, action: str, reason: str) -> None:
        self.plan.decisions[item.site.scope] = Decision(item.site.scope, item.scheme, action, reason)

    def _referenced_elsewhere(self) -> None:
        for file in self.repo.files.values():
            for targets in file.references.values():
                self.plan.referenced_elsewhere.update(
                    q for q in targets if not q.startswith(file.module + "."))

    # -- no silent misses ---------------------------------------------------------------------
    def _account(self, judged: list[Judged]) -> None:
        from codemods.flow.accounting import account

        account(self.repo, self.plan, judged)


def _edit_kind(site_kind: str) -> str:
    return {"dict": "dict", "pairs": "pair", "zip": "zip-name", "subscript": "subscript",
            "call": "call"}[site_kind]


def _code_at(value: Value | None, function: str, what: str) -> str | None:
    """A value the legacy signature covered, as code at the header site (for the rollout
    target's legacy path, which signs the same URL and method)."""
    from codemods.flow.values import Lit

    if value is None:
        return None
    inner = strip(value)
    if isinstance(inner, Lit):
        return f'"{inner.text}"' if '"' not in inner.text else repr(inner.text)
    current = value
    while isinstance(current, Via):
        carrier = current.carrier
        if isinstance(carrier, Local) and carrier.function == function:
            return carrier.name
        if isinstance(carrier, SelfAttr):
            return f"self.{carrier.name}"
        current = current.value
    if isinstance(current, Param) and (current.function == function or
                                       function.startswith(current.function + ".")):
        return current.name
    raise Problem(f"the rollout target needs the signed {what} at the header site; it is built "
                  "elsewhere here: use --target oauth, or pass it by hand")


def _touched_name(touched: tuple[object, ...]) -> str:
    kind = touched[0]
    if kind == "attr":
        return f"the attribute {touched[2]}"
    if kind == "global":
        return f"the setting {touched[1]}.{touched[2]}"
    if kind == "param":
        return f"the parameter {touched[2]} of {str(touched[1]).rpartition('.')[2]}()"
    if kind == "store":
        return f"the statement at line {touched[1][1]}"  # type: ignore[index]
    return str(touched[1])


def _chain(item: Judged, signature: Signature) -> tuple[str, ...]:
    steps = [f"{AUTH_SIGNATURE} at {item.file.path or item.file.module}:{item.key[1]}"]
    if signature.loc is not None and signature.loc[1]:
        how = "the DigitalSignatureUtil jar" if signature.jar else f"{signature.style} RSA-SHA256"
        steps.append(f"signed by {how} at {signature.loc[0]}:{signature.loc[1]}")
    if signature.kind == "marketplace":
        steps.append("over consumer id " + describe(signature.consumer or Param("", "?")) +
                     ", URL " + describe(signature.url or Param("", "?")) + ", method " +
                     describe(signature.method or Param("", "?")) + ", timestamp, each followed by "
                     "a line feed")
    if signature.key is not None:
        steps.append(f"with the private key from {describe(credential_root(signature.key))}")
    return tuple(steps)


def plan_repository(files: list[FileSummary], target: str = "oauth",
                    exact: dict[str, str] | None = None) -> RepoPlan:
    return Planner(files, target, exact or {}).run()


_ = (REASONS, Span, read_signature)

"""What the rewrite leaves without a use: the signing helpers on the chain of a rewritten
signature (however many functions, methods and classes it passed through), and whether
anything else in the repository still calls them - then they stay, and the seller is told."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codemods.flow.library import strip
from codemods.flow.repository import Repository, children
from codemods.flow.summary import AttributeRead, FileSummary, Span
from codemods.flow.values import (
    CallV,
    Instance,
    Key,
    Lit,
    Loc,
    Mapping,
    Num,
    Partial,
    Ref,
    Self,
    Seq,
    Signer,
    Text,
    Value,
    Via,
)

if TYPE_CHECKING:
    from codemods.flow.credentials import StoreEdit
    from codemods.flow.plan import RepoPlan, _SitePlan

__all__ = ["Outcome", "analyse", "dead_code"]

_DEPTH = 12


def dead_code(repo: Repository, plan: RepoPlan, rewritten: list[_SitePlan],
              stores: dict[Loc, StoreEdit]) -> None:
    outcome = analyse(repo, rewritten, stores)
    plan.dead_helpers |= outcome.dead
    for candidate, users in outcome.kept.items():
        if _signs(repo, candidate):
            plan.kept_helpers[candidate] = _kept(candidate, users)


@dataclass
class Outcome:
    consumed: dict[str, list[Span]]  # code the rewrite removes, per module
    dead: set[str]  # helpers left without a use
    kept: dict[str, set[str]]  # helpers on the chain something else still uses -> who

    def removed(self, loc: Loc, function: str) -> bool:
        """Whether code at ``loc`` in ``function`` goes with the rewrite."""
        return _inside(loc, self.consumed.get(loc[0], [])) or any(
            function == d or function.startswith(d + ".") for d in self.dead)


def analyse(repo: Repository, rewritten: list[_SitePlan], stores: dict[Loc, StoreEdit]) -> Outcome:
    consumed = _consumed_spans(repo, rewritten, stores)
    candidates: set[str] = set()
    for site_plan in rewritten:
        item = site_plan.judged
        context = item.views[0].context if item.views else None
        for entry in item.site.entries:
            # Only what fed the headers that go: a correlation id's uuid4() stays in use.
            if _legacy(repo.ev(entry.name, context)):
                _chain(repo, entry.value, context, candidates, 0)
                candidates.update(_name_holders(repo, entry.name))
        if item.site.zip_args is not None:
            _chain(repo, item.site.zip_args[1], context, candidates, 0)
    for loc in stores:
        for file in repo.files.values():
            for function in file.functions.values():
                for writes in function.attr_writes.values():
                    for store in writes:
                        if store.loc == loc:
                            _chain(repo, store.value, repo.class_of_function(function.qualname),
                                   candidates, 0)
            for writes in file.global_stores.values():
                for store in writes:
                    if store.loc == loc:
                        _chain(repo, store.value, None, candidates, 0)
    dead: set[str] = set()
    users: dict[str, set[str]] = {}
    changed = True
    while changed:
        changed = False
        for candidate in sorted(candidates - dead):
            found = _users(repo, candidate, consumed, dead)
            users[candidate] = found
            if not found:
                dead.add(candidate)
                changed = True
    kept = {c: users[c] for c in sorted(candidates - dead) if users.get(c)}
    return Outcome(consumed, dead, kept)


def _consumed_spans(repo: Repository, rewritten: list[_SitePlan],
                    stores: dict[Loc, StoreEdit]) -> dict[str, list[Span]]:
    """Code the rewrite removes or replaces, per module: a reference inside it goes too."""
    spans: dict[str, list[Span]] = {}
    for site_plan in rewritten:
        item = site_plan.judged
        module = item.file.module
        legacy = {e.loc for view in item.views for e in view.entries
                  if _legacy(e.name)}
        for entry in item.site.entries:
            if entry.loc in legacy:
                spans.setdefault(module, []).append(entry.span)
        if item.site.zip_args is not None:
            values = strip(repo.ev(item.site.zip_args[1], item.views[0].context))
            if isinstance(values, Seq):
                spans.setdefault(values.loc[0], []).extend(values.spans)
    for loc in stores:
        file = repo.files.get(loc[0])
        if file is None:
            continue
        for function in file.functions.values():
            for writes in function.attr_writes.values():
                spans.setdefault(loc[0], []).extend(s.span for s in writes if s.loc == loc)
        for writes in file.global_stores.values():
            spans.setdefault(loc[0], []).extend(s.span for s in writes if s.loc == loc)
    # Names the token calls read stay bound (``credentials`` of ``credentials.client_secret``).
    live: dict[str, set[str]] = {}
    for site_plan in rewritten:
        if site_plan.call is not None:
            code = " ".join(str(v) for v in vars(site_plan.call).values() if isinstance(v, str))
            live.setdefault(site_plan.judged.site.function, set()).update(
                re.findall(r"[A-Za-z_]\w*", code))
    _cascade(repo, spans, live)
    return spans


def _cascade(repo: Repository, spans: dict[str, list[Span]], live: dict[str, set[str]]) -> None:
    """A local whose every read is in removed code goes too, with the call that made it
    (``signature, ts = sign(...)`` when both only fed the legacy headers)."""
    changed = True
    while changed:
        changed = False
        for module, removed in spans.items():
            file = repo.files.get(module)
            if file is None:
                continue
            for function in file.functions.values():
                for names, span in function.local_binds:
                    if span in removed or set(names) & live.get(function.qualname, set()):
                        continue
                    reads = [loc for name in names for loc in function.local_reads.get(name, [])]
                    if all(_inside(loc, removed) for loc in reads):
                        removed.append(span)
                        changed = True


def _name_holders(repo: Repository, name: Value) -> set[str]:
    """Classes that only hold header names (an Enum, a constants class) a rewritten header
    name came from: gone with their last use."""
    found: set[str] = set()
    stack = [name]
    while stack:
        current = stack.pop()
        stack.extend(children(current))
        if not isinstance(current, Ref):
            continue
        parts = current.qualname.split(".")
        for end in range(len(parts) - 1, 0, -1):
            kind, klass = repo.lookup(".".join(parts[:end]))
            if kind == "class":
                summary = repo.classes[klass]
                if not summary.methods and summary.attrs and \
                        all(isinstance(strip(v), Lit) for v in summary.attrs.values()):
                    found.add(klass)
                break
    return found


def _legacy(name: Value) -> bool:
    from codemods.flow.headersets import fold
    from codemods.names import LEGACY

    return fold(name) in {h.upper() for h in LEGACY}


def _chain(repo: Repository, value: Value, context: str | None, found: set[str], depth: int) -> None:
    """Repository functions and classes the value is computed with."""
    if depth > _DEPTH:
        return
    stack: list[Value] = [value]
    # Values share parts; a part met again adds nothing (its definitions are found already).
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, CallV):
            target = strip(repo.ev(current.func, context))
            _definition(repo, target, context, found, depth)
        elif isinstance(current, Ref):
            _definition(repo, current, context, found, depth)
        stack.extend(children(current))


def _definition(repo: Repository, target: Value, context: str | None, found: set[str],
                depth: int) -> None:
    if isinstance(target, Partial):
        _definition(repo, strip(target.func), context, found, depth)
        return
    if isinstance(target, Via):
        _definition(repo, strip(target), context, found, depth)
        return
    if not isinstance(target, Ref):
        return
    kind, qualname = repo.lookup(target.qualname)
    if kind not in ("function", "class") or qualname in found:
        return
    found.add(qualname)
    if kind == "function":
        function = repo.functions[qualname]
        owner = repo.class_of_function(qualname)
        for call in function.calls:
            _chain(repo, call, owner or context, found, depth + 1)
    else:
        for method in repo.classes[qualname].methods.values():
            found.add(method)
            for call in repo.functions[method].calls:
                _chain(repo, call, qualname, found, depth + 1)


def _users(repo: Repository, candidate: str, consumed: dict[str, list[Span]],
           dead: set[str]) -> set[str]:
    """Places outside removed code that still use ``candidate``."""
    users: set[str] = set()
    short = candidate.rpartition(".")[2]
    owner = repo.class_of_function(candidate)
    if owner is not None and short.startswith("__") and short.endswith("__"):
        # Python calls it (Settings() runs __init__): it lives while its class does.
        return set() if owner in dead else _users(repo, owner, consumed, dead) | {owner}
    for file in repo.files.values():
        for function, targets in file.references.items():
            if function == candidate or function.startswith(candidate + ".") or \
                    any(function == d or function.startswith(d + ".") for d in dead):
                continue
            for target, locs in targets.items():
                if _resolves(repo, target, candidate):
                    live = [loc for loc in locs if not _inside(loc, consumed.get(loc[0], []))]
                    if live:
                        users.add(_user(file, function))
        if _imported_unused(repo, file, candidate):
            # Imported here but never used: the import stays, so the helper must too.
            users.add(file.path or file.module)
        if owner is not None and not short.startswith("_"):
            # A public method may be called on an instance handed to code elsewhere.
            for read in file.attribute_reads:
                if read.name == short and not isinstance(read.receiver, Self) and \
                        _could_be(repo, read, owner) and \
                        not _inside(read.loc, consumed.get(read.loc[0], [])) and \
                        not any(read.function == d or read.function.startswith(d + ".")
                                for d in dead):
                    users.add(_user(file, read.function))
    return users


def _could_be(repo: Repository, read: AttributeRead, owner: str) -> bool:
    """Whether the object read could be one of ``owner``'s: a key's ``.sign`` or another
    class's method of the same name is not; an object the code cannot see may be."""
    receiver = strip(repo.ev(read.receiver, repo.class_of_function(read.function)))
    if isinstance(receiver, Instance):
        return receiver.cls in repo.subclasses(owner)
    return not isinstance(receiver, (Key, Signer, Lit, Num, Text, Seq, Mapping))


def _imported_unused(repo: Repository, file: FileSummary, candidate: str) -> bool:
    """``from module import candidate`` in a file that never reads it (nothing the rewrite
    removes there will take that import along)."""
    if not any(q.rpartition(".")[2] == candidate.rpartition(".")[2] and _resolves(repo, q, candidate)
               for q in file.imports.values()):
        return False
    return not any(_resolves(repo, target, candidate)
                   for targets in file.references.values() for target in targets)


def _resolves(repo: Repository, target: str, candidate: str) -> bool:
    if target == candidate:
        return True
    if target.rpartition(".")[2] != candidate.rpartition(".")[2]:
        return False
    kind, qualname = repo.lookup(target)
    return kind in ("function", "class") and qualname == candidate


def _inside(loc: Loc, spans: list[Span]) -> bool:
    return any((s[0], s[1]) <= (loc[1], loc[2]) < (s[2], s[3]) for s in spans)


def _signs(repo: Repository, qualname: str) -> bool:
    """Only signing code is worth a finding when it stays; other helpers stay silently."""
    for file in repo.files.values():
        for occurrence in file.occurrences:
            if occurrence.kind == "signing" and (occurrence.function == qualname or
                                                 occurrence.function.startswith(qualname + ".")):
                return True
    return False


def _user(file: FileSummary, where: str) -> str:
    """``tools/resign.py (resign)``: the file as the seller sees it, and the function."""
    place = file.path or file.module
    function = where.removeprefix(file.module + ".")
    return place if function in ("", where) or function.startswith("<") else f"{place} ({function})"


def _kept(qualname: str, users: set[str]) -> str:
    named = sorted(users)
    shown = ", ".join(named[:3]) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
    return (f"{qualname.rsplit('.', 1)[-1]}() still signs for {shown}: kept; migrate those "
            "callers, then delete it")

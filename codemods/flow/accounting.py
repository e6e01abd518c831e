"""No silent misses: every legacy header name and every RSA or HMAC signing call written in
a file the run read ends in a finding. Those a site accounts for share its finding; the
rest get one of their own - ``manual`` where they sit beside code that signs or sends, with
the line that could not be followed, ``ignored`` where they only name a header."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.findings import Finding
from codemods.flow.dead import _chain
from codemods.flow.library import strip
from codemods.flow.recognise import describe, read_signature
from codemods.flow.repository import Repository
from codemods.flow.summary import FileSummary, Occurrence
from codemods.flow.values import JarOut, Partial, Ref, Seq, Sig, Value, Via

if TYPE_CHECKING:
    from codemods.flow.judge import Judged
    from codemods.flow.plan import RepoPlan

__all__ = ["Place", "account"]

Place = tuple[str, int]  # a finding: its module and line


def account(repo: Repository, plan: RepoPlan, judged: list[Judged]) -> None:
    # Where each occurrence's finding is: (module, line) of the finding.
    covered: dict[tuple[str, int], Place] = {}  # (module, line) -> the finding
    helpers: dict[str, Place] = {}  # function on a site's signing chain -> the finding
    signing: dict[tuple[str, int, int], Place] = {}  # signing call -> the finding
    for item in judged:
        module, line = item.file.module, item.report_loc[1]
        place = (module, line)
        for entry in item.site.entries:
            for covered_line in range(entry.span[0], entry.span[2] + 1):
                covered.setdefault((module, covered_line), place)
        covered.setdefault((module, line), place)
        for view in item.views:
            for resolved in view.entries:
                covered.setdefault((resolved.loc[0], resolved.loc[1]), place)
                for carrier_line in _carrier_lines(resolved.name):
                    covered.setdefault(carrier_line, place)
            if item.site.zip_args is not None:
                for part in item.site.zip_args:
                    seq = strip(repo.ev(part, view.context))
                    if isinstance(seq, Seq):
                        for loc in seq.locs:
                            covered.setdefault((loc[0], loc[1]), place)
        signature = item.signature
        for option in ([signature, *signature.options] if signature is not None else []):
            if option.loc is not None:
                signing.setdefault(option.loc, place)
        # Signing inside the helpers a site's headers are computed with is that site's.
        chain: set[str] = set()
        for view in item.views[:1]:
            for entry in item.site.entries:
                _chain(repo, entry.value, view.context, chain, 0)
        for function in chain | {item.site.function}:
            helpers.setdefault(function, place)
    for file in repo.files.values():
        _file(repo, plan, file, covered, signing, helpers)


def _carrier_lines(value: Value) -> list[tuple[str, int]]:
    lines = []
    while isinstance(value, Via):
        if value.loc[1]:
            lines.append((value.loc[0], value.loc[1]))
        value = value.value
    return lines


def _file(repo: Repository, plan: RepoPlan, file: FileSummary,
          covered: dict[tuple[str, int], Place], signing: dict[tuple[str, int, int], Place],
          helpers: dict[str, Place]) -> None:
    accounted = plan.accounted.setdefault(file.module, {})
    orphans: dict[tuple[str, str], list[Occurrence]] = {}
    for occurrence in file.occurrences:
        module, line, column = occurrence.loc
        if occurrence.kind == "header":
            finding_line = covered.get((module, line)) or helpers.get(occurrence.function)
        else:
            if not _signs(repo, occurrence):
                accounted[(occurrence.kind, line, column)] = None  # not a signing call after all
                continue
            finding_line = signing.get(occurrence.loc) or helpers.get(occurrence.function)
        if finding_line is not None:
            accounted[(occurrence.kind, line, column)] = finding_line
        else:
            orphans.setdefault((occurrence.function, occurrence.kind), []).append(occurrence)
    findings = plan.findings.setdefault(file.module, [])
    taken = {(f.line, f.column) for f in findings}
    for (function, kind), occurrences in orphans.items():
        finding = _orphan(repo, file, function, kind, occurrences)
        if (finding.line, finding.column) in taken:
            finding = Finding(finding.line, finding.column + 1, finding.scheme, finding.codemod,
                              finding.action, finding.message)
        taken.add((finding.line, finding.column))
        findings.append(finding)
        for occurrence in occurrences:
            accounted[(occurrence.kind, occurrence.loc[1], occurrence.loc[2])] = \
                (file.module, finding.line)
    # A file with nothing to account for leaves no entry: the plan, and the per-file facts
    # kept under its digest, stay the same when such a file joins the run.
    for table in (plan.accounted, plan.findings):
        if not table.get(file.module):
            table.pop(file.module, None)


def _signature_at(repo: Repository, occurrence: Occurrence) -> Value | None:
    function = repo.functions.get(occurrence.function)
    if function is None:
        return None
    context = repo.class_of_function(function.qualname)
    for call in function.calls:
        if call.loc == occurrence.loc:
            return repo.ev(call, context)
    return None


def _signs(repo: Repository, occurrence: Occurrence) -> bool:
    """A library signing call (a call of the repository's own helper signs inside it)."""
    function = repo.functions.get(occurrence.function)
    if function is None:
        return False
    context = repo.class_of_function(function.qualname)
    for call in function.calls:
        if call.loc != occurrence.loc:
            continue
        callee = strip(repo.ev(call.func, context))
        if isinstance(callee, Ref) and repo.lookup(callee.qualname)[0] in ("function", "class"):
            return False
        if isinstance(callee, Partial):
            return False
        return isinstance(strip(repo.ev(call, context)), (Sig, JarOut))
    return False


def _orphan(repo: Repository, file: FileSummary, function: str, kind: str,
            occurrences: list[Occurrence]) -> Finding:
    first = occurrences[0]
    line, column = first.loc[1], first.loc[2]
    where = function.removeprefix(file.module + ".")
    if kind == "signing":
        value = _signature_at(repo, first)
        signature = read_signature(value) if value is not None else None
        if signature is not None and signature.kind == "fake":
            return Finding(line, column, "fake-signature", "classify", "ignored",
                           f"{signature.why} in {where}, not sent as a Walmart signature here")
        if signature is not None and signature.kind == "three-fields":
            return Finding(line, column, "affiliate-signature", "classify", "ignored",
                           f"signs three fields in {where} (the Walmart I/O scheme): not migrated")
        return Finding(line, column, "marketplace-signature", "classify", "manual",
                       f"{first.what}(...) at line {line} signs with RSA, but no request header "
                       "this tool can follow carries the result; check where it is sent and "
                       "migrate it by hand")
    names = ", ".join(sorted({o.what for o in occurrences}))
    busy = any(o.function == function and o.kind == "signing" for o in file.occurrences) or \
        bool(repo.functions.get(function) and repo.functions[function].sends)
    if busy:
        return Finding(line, column, "unknown", "classify", "manual",
                       f"{names} at line {line} is used in a way this tool cannot follow "
                       f"(in {where}); check by hand whether it still signs")
    return Finding(line, column, "unknown", "classify", "ignored",
                   f"{names} is named here but no header is set with it: nothing to migrate")


_ = describe

"""Signing code joins the run only when it is tied to the Walmart files: a file with RSA or
HMAC signing calls, when it and a Walmart file import one another (directly, through a
constants module, or through a client importing both) - not every webhook ``hmac.new`` of
the repository. Only import lines are parsed to tell."""

from __future__ import annotations

import re

from migrate.runner.analysis import Analysis, standard
from migrate.runner.inputs import Reach, SourceFile, last_names
from migrate.runner.modules import imported_from

__all__ = ["join_signing_code"]


def join_signing_code(analysis: Analysis, signing: list[SourceFile],
                      by_display: dict[str, SourceFile]) -> None:
    """Files with only signing calls, joined while they and the files analysed so far import
    one another (a helper module, the helper it calls, a site using a constants module)."""
    frontier = list(analysis.facts)
    while signing and frontier:
        names = last_names(s.module for s in signing)
        imported = {n for d in frontier for n in _imports_of(analysis.data(by_display[d]), names)}
        importers = Reach(analysis.modules(frontier))
        wanted = [s for s in signing
                  if s.module.rpartition(".")[2] in imported or importers.touches(analysis.data(s))]
        frontier = analysis.add(wanted)
        signing = [s for s in signing if s.display not in analysis.read]
    linked = [s for s in signing if _leads_to(s, analysis, by_display)]
    signing = [s for s in signing if s not in linked]
    clients: list[SourceFile] = []
    # A client that imports both the signer and the header names (by way of a constants
    # module) ties them together without either naming the other.
    if signing:
        importers = Reach(last_names(s.module for s in signing))
        by_module = {s.module: s for s in signing}
        for source in analysis.unread(reach=importers):
            uses = [by_module[m] for m in _import_targets(source, analysis)
                    if m in by_module]
            if uses and _leads_to(source, analysis, by_display):
                clients.append(source)
                linked += uses
    analysis.add(list(dict.fromkeys(linked)))
    analysis.add(clients, True)  # no marker of its own: read all the same


def _leads_to(source: SourceFile, analysis: Analysis, by_display: dict[str, SourceFile],
              depth: int = 4) -> bool:
    """Whether the signing file imports, through modules with no marker (a names module, a
    constants module), one the run analyses: its header names or helpers come from there."""
    analysed = {f.module for f in analysis.facts.outlines.values()}
    by_module = {s.module: s for s in by_display.values()}
    seen = {source.module}
    layer = [source]
    for _ in range(depth):
        following = []
        for current in layer:
            for module in _import_targets(current, analysis):
                if module in analysed:
                    return True
                if module in by_module and module not in seen and not standard(module):
                    seen.add(module)
                    following.append(by_module[module])
        layer = following
    return False


def _import_targets(source: SourceFile, analysis: Analysis) -> frozenset[str]:
    """The modules a file's import statements name (``from a import b`` names both ``a``
    and ``a.b``), at any indentation; only those lines are parsed."""
    cache = analysis.import_targets
    found = cache.get(source.display)
    if found is not None:
        return found
    import ast

    # What the run makes of the imports depends on this file's bytes: a later run must see
    # it changed (and never take it for a file it knows the answers of).
    analysis.answered.add(source.display)
    names: set[str] = set()
    for statement in _import_statements(analysis.data(source)):
        try:
            nodes = ast.parse(statement).body
        except (SyntaxError, ValueError):
            continue
        for node in nodes:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = imported_from(node, source.module, source.is_package)
                names.add(module)
                names.update(f"{module}.{alias.name}" for alias in node.names)
    cache[source.display] = found = frozenset(names)
    return found


_IMPORT_LINE = re.compile(rb"^[ \t]*(?:import|from)[ \t]", re.MULTILINE)


def _import_statements(data: bytes) -> list[str]:
    """Each import statement's text, dedented (continued over parentheses or backslashes)."""
    statements = []
    for match in _IMPORT_LINE.finditer(data):
        end = data.find(b"\n", match.start())
        end = len(data) if end < 0 else end
        text = data[match.start():end]
        while (text.count(b"(") > text.count(b")") or text.rstrip().endswith(b"\\")) and \
                end < len(data):
            following = data.find(b"\n", end + 1)
            following = len(data) if following < 0 else following
            text, end = data[match.start():following], following
        statements.append(text.decode("utf-8", "replace").strip())
    return statements


def _imports_of(data: bytes, names: frozenset[str]) -> set[str]:
    """Which of these module names the file's import statements spell out."""
    return {n for n in names if n.encode("utf-8", "surrogateescape") in data and
            Reach(frozenset({n})).touches(data)}

"""What every codemod shares: findings, the options a run passes down, and the base class.

A codemod is a LibCST transformer with LibCST's codemod interface (``transform_module``,
``context``, ``warn``, scheduled import edits) and three class attributes:
``NAME`` (a short id), ``DESCRIPTION`` (one sentence) and ``MARKERS`` (byte strings; a file
containing none of them is never parsed), and optionally ``SIGNING_MARKERS`` (signing code a
marked file may call into: a file with only these is parsed when it and a marked file import
one another). It reports what it saw with ``self.report(...)``;
the runner collects those findings from ``context.scratch``.

Nothing here imports ``libcst.codemod``: it pulls in ``libcst.matchers``, which was most of
the time a run took to start (see ``codemods.context``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import ClassVar

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider, ProviderT

from codemods.context import CodemodContext, FileContext, SkipFile, is_skip
from codemods.findings import ACTIONS, SCHEMES, Finding, MigrationOptions
from codemods.flow.syntax import child_nodes
from codemods.positions import Positions, positions_of

__all__ = [
    "ACTIONS",
    "SCHEMES",
    "CodemodContext",
    "FileContext",
    "Finding",
    "MigrationOptions",
    "SkipFile",
    "WalmartCodemod",
    "findings_of",
    "is_skip",
    "options_of",
    "origins",
    "same_nodes",
    "seed_origins",
    "tracked_visit",
    "visit_only",
]

_FINDINGS = "walmart_migrate.findings"
# The keys LibCST's AddImportsVisitor / RemoveImportsVisitor schedule their edits under.
_IMPORT_EDITS = ("AddImportsVisitor", "RemoveImportsVisitor")


_OPTIONS = "walmart_migrate.options"


def findings_of(context: CodemodContext) -> list[Finding]:
    found: list[Finding] = context.scratch.setdefault(_FINDINGS, [])
    return found


def options_of(context: CodemodContext) -> MigrationOptions:
    options = context.scratch.get(_OPTIONS)
    return options if isinstance(options, MigrationOptions) else MigrationOptions()


def attach_options(context: CodemodContext, options: MigrationOptions) -> None:
    context.scratch[_OPTIONS] = options


_ORIGINS = "walmart_migrate.origins"
_POSITIONS = "walmart_migrate.positions"  # of the tree the origins were seeded from
_KEPT_ALIVE = "walmart_migrate.kept_alive"  # every tree and node the origins name
Position = tuple[int, int]


def origins(context: CodemodContext, tree: cst.Module) -> dict[int, Position]:
    """Where each node of ``tree`` was in the seller's file: the plan's edits are positions
    in that file. The first tree a run sees is the file itself; every codemod after it visits
    with ``tracked_visit``, which carries the positions over to the nodes it produces."""
    held = context.scratch.get(_ORIGINS)
    if held is not None and held[0] is tree:
        return held[1]  # type: ignore[no-any-return]
    if held is not None:
        return {}  # changed by a transform that did not carry positions: none are known
    seed_origins(context, tree, positions_of(tree))
    return context.scratch[_ORIGINS][1]  # type: ignore[no-any-return]


def seed_origins(context: CodemodContext, tree: cst.Module,
                 positions: Mapping[cst.CSTNode, CodeRange]) -> None:
    """``origins`` for ``tree`` from positions worked out already (by the analysis of the same
    tree): the position walk is among the costliest over a file, and once is enough."""
    table = positions.starts() if isinstance(positions, Positions) else \
        {id(node): (p.start.line, p.start.column + 1) for node, p in positions.items()}
    context.scratch[_ORIGINS] = (tree, table)
    context.scratch[_POSITIONS] = (tree, positions)


def first_positions(context: CodemodContext,
                    tree: cst.Module) -> Mapping[cst.CSTNode, CodeRange] | None:
    """Positions of the file as parsed, worked out once for both the plan made from it and
    ``origins``; None when only positions of another tree are known."""
    held = context.scratch.get(_POSITIONS)
    if held is not None:
        return held[1] if held[0] is tree else None
    if _ORIGINS in context.scratch:
        return None
    positions = positions_of(tree)
    seed_origins(context, tree, positions)
    return positions


def same_nodes(context: CodemodContext, before: cst.Module, after: cst.Module) -> cst.Module:
    """``after`` is ``before`` with statements added around the same nodes (an import put at
    the top): the positions known for ``before`` hold for it."""
    held = context.scratch.get(_ORIGINS)
    if held is not None and held[0] is before and after is not before:
        context.scratch[_ORIGINS] = (after, held[1])
    return after


def tracked_visit(context: CodemodContext, tree: cst.Module, transformer: cst.CSTTransformer,
                  only: Collection[int] | None = None) -> cst.Module:
    """``tree.visit(transformer)``, with the original positions carried to the new tree.
    ``only``: the nodes (ids) the transformer may change, when it says (see ``visit_only``)."""
    table = origins(context, tree)
    carried: dict[int, Position] = {}
    produced: list[cst.CSTNode] = []
    leave = transformer.on_leave

    def on_leave(original: cst.CSTNode, updated: cst.CSTNode) -> object:
        result = leave(original, updated)
        position = table.get(id(original))
        if position is not None and isinstance(result, cst.CSTNode):
            carried[id(result)] = position
            produced.append(result)
        return result

    transformer.on_leave = on_leave  # type: ignore[method-assign,assignment]
    try:
        result = tree.visit(transformer) if only is None else \
            visit_only(tree, transformer, only)
    finally:
        del transformer.on_leave
    # A node kept as it was (unentered, or left unchanged) keeps its place. Every node keyed
    # here stays alive as long as the file's context, so that no id is another node's later.
    context.scratch.setdefault(_KEPT_ALIVE, []).append((tree, produced))
    context.scratch[_ORIGINS] = (result, {**table, **carried})
    return result


def visit_only(tree: cst.Module, transformer: cst.CSTTransformer,
               targets: Collection[int]) -> cst.Module:
    """``tree.visit(transformer)`` for a transformer that changes only the ``targets`` (node
    ids) and the nodes holding them: only those are entered. Every other subtree is kept as it
    is, unentered - the transformer still visits and leaves its root - since a visit rebuilds
    every node it enters, and most of a file is not where the edits are."""
    entered = holding(tree, targets)
    visit = transformer.on_visit

    def on_visit(node: cst.CSTNode) -> bool:
        # The transformer's own visit runs first, for every node its leave will see.
        return visit(node) and id(node) in entered

    transformer.on_visit = on_visit  # type: ignore[method-assign]
    try:
        return tree.visit(transformer)
    finally:
        del transformer.on_visit


def holding(tree: cst.CSTNode, targets: Collection[int]) -> set[int]:
    """The ids of the ``targets`` in ``tree`` and of every node that holds one of them."""
    found: set[int] = set()
    if not targets:
        return found
    path: list[cst.CSTNode] = []
    stack: list[tuple[cst.CSTNode, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        del path[depth:]
        path.append(node)
        if id(node) in targets:
            for holder in reversed(path):
                if id(holder) in found:
                    break
                found.add(id(holder))
        stack.extend((child, depth + 1) for child in child_nodes(node))
    return found


class WalmartCodemod(cst.CSTTransformer):
    """Base class: a plain LibCST transformer with the codemod command's interface.

    Not ``VisitorBasedCodemodCommand``: its matcher machinery inspects every method of the
    class each time a codemod is made - once per codemod per file, most of a small file's
    time. ``transform_module_impl`` visits the tree with this transformer by default."""

    DESCRIPTION: ClassVar[str] = ""
    NAME: ClassVar[str] = ""
    MARKERS: ClassVar[tuple[bytes, ...]] = ()
    SIGNING_MARKERS: ClassVar[tuple[bytes, ...]] = ()
    # Nothing by default: each codemod declares what it reads, so none pays for the rest.
    METADATA_DEPENDENCIES: ClassVar[tuple[ProviderT, ...]] = ()

    def __init__(self, context: CodemodContext) -> None:
        cst.CSTTransformer.__init__(self)
        self.context: CodemodContext = context

    def warn(self, warning: str) -> None:
        self.context.warnings.append(warning)

    @property
    def module(self) -> cst.Module:
        """The tree being transformed (only while ``transform_module`` runs)."""
        if self.context.wrapper is None:
            raise ValueError(f"{type(self).__name__}.module read outside transform_module()")
        return self.context.wrapper.module

    def visit_tracked(self, tree: cst.Module, transformer: cst.CSTTransformer,
                      at: Collection[Position] = (), nodes: Collection[int] = (),
                      everywhere: bool = True) -> cst.Module:
        """``everywhere=False``: the transformer changes only the nodes at ``at`` (original
        positions) and the ``nodes`` (ids), so only they and what holds them are entered."""
        self._origins = origins(self.context, tree)  # ``origin`` answers for this tree now
        only: set[int] | None = None
        if not everywhere:
            places = set(at)
            only = {key for key, place in self._origins.items() if place in places}
            only.update(nodes)
        return tracked_visit(self.context, tree, transformer, only)

    def origin(self, node: cst.CSTNode) -> Position | None:
        """Where ``node`` (of the tree this codemod was given) was in the seller's file."""
        return self._origins.get(id(node))

    def transform_module(self, tree: cst.Module) -> cst.Module:
        self._origins = origins(self.context, tree)
        try:
            with self._handle_metadata_reference(tree) as tree_with_metadata:
                tree = self.transform_module_impl(tree_with_metadata)
            if any(key in self.context.scratch for key in _IMPORT_EDITS):
                tree = self._scheduled_import_edits(tree)
            return tree
        finally:
            # Scheduled import edits ran at the end of this codemod; left in the shared scratch
            # they would run again after every codemod that follows.
            for key in _IMPORT_EDITS:
                self.context.scratch.pop(key, None)

    def _scheduled_import_edits(self, tree: cst.Module) -> cst.Module:
        """Imports a codemod scheduled with LibCST's visitors, applied as LibCST's command
        does; only a codemod that scheduled some pays for importing them."""
        from libcst.codemod import CodemodContext as LibCSTContext
        from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

        context = LibCSTContext(warnings=self.context.warnings, scratch=self.context.scratch,
                                filename=self.context.filename,
                                full_module_name=self.context.full_module_name,
                                full_package_name=self.context.full_package_name)
        for key, transform in ((AddImportsVisitor.CONTEXT_KEY, AddImportsVisitor),
                               (RemoveImportsVisitor.CONTEXT_KEY, RemoveImportsVisitor)):
            if key in self.context.scratch:
                tree = transform(context).transform_module(tree)
        return tree

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        return self.visit_tracked(tree, self)

    @property
    def options(self) -> MigrationOptions:
        return options_of(self.context)

    @contextmanager
    def _handle_metadata_reference(self, module: cst.Module) -> Iterator[cst.Module]:
        """As LibCST's, without the deep copy of the tree: every tree here comes from the
        parser or from a transform, so its nodes are already unique, and six copies of every
        file were most of the run's time."""
        previous = self.context.wrapper
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        with self.resolve(wrapper):
            self.context = replace(self.context, wrapper=wrapper)  # type: ignore[type-var]
            try:
                yield wrapper.module
            finally:
                self.context = replace(self.context, wrapper=previous)  # type: ignore[type-var]

    def report(self, node: cst.CSTNode, scheme: str, action: str, message: str) -> None:
        """Record a finding at ``node`` (the codemod must declare PositionProvider)."""
        position = self.get_metadata(PositionProvider, node).start
        findings_of(self.context).append(
            Finding(position.line, position.column + 1, scheme, self.NAME, action, message))

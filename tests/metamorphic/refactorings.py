"""Behaviour-preserving refactorings of a seller tree (relative path -> source).

Each is small, named (the name is the id reports use) and documented; each picks its target
in the tree with the ``random.Random`` it is given and returns the new tree, or None when
the tree has nothing it applies to. The transforms live in themed modules: ``reshape`` and
``inline`` (helpers split and joined), ``relocate`` and ``base_class`` (code moved between
modules and classes), ``spelling`` (the same code written differently), ``header_names``
(where the header names live), ``signers`` (how the signing is set up) and ``credentials``
(where the consumer id and private key are held)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from tests.metamorphic import (
    base_class,
    credentials,
    header_names,
    inline,
    relocate,
    reshape,
    signers,
    spelling,
)
from tests.metamorphic.syntax import Tree

__all__ = ["BY_NAME", "REFACTORINGS", "Refactoring"]


@dataclass(frozen=True)
class Refactoring:
    name: str
    transform: Callable[[Tree, random.Random], Tree | None]

    @property
    def description(self) -> str:
        return " ".join((self.transform.__doc__ or "").split())

    def __call__(self, tree: Tree, rng: random.Random) -> Tree | None:
        return self.transform(tree, rng)


REFACTORINGS = (
    Refactoring("extract-helper", reshape.extract_helper),
    Refactoring("inline-helper", inline.inline_helper),
    Refactoring("chain-helpers", reshape.chain_helpers),
    Refactoring("move-to-module", relocate.move_to_module),
    Refactoring("move-to-mixin", relocate.move_to_mixin),
    Refactoring("move-to-base", base_class.move_to_base),
    Refactoring("alias-imports", spelling.alias_imports),
    Refactoring("names-enum", header_names.names_enum),
    Refactoring("names-class-attr", header_names.names_class_attr),
    Refactoring("names-tuple", header_names.names_tuple),
    Refactoring("string-building", spelling.string_building),
    Refactoring("digest-updates", spelling.digest_updates),
    Refactoring("key-in-init", signers.key_in_init),
    Refactoring("signer-partial", signers.signer_partial),
    Refactoring("signer-object", signers.signer_object),
    Refactoring("creds-dataclass", credentials.creds_dataclass),
    Refactoring("creds-dict", credentials.creds_dict),
    Refactoring("creds-settings", credentials.creds_settings),
)

BY_NAME = {r.name: r for r in REFACTORINGS}

"""All the codemods in registry order, as one LibCST command, for LibCST's own tooling:

    python -m libcst.tool codemod -x codemods.pipeline.MigrateToOAuth PATH

Each file is planned on its own there (no repository plan: helpers and settings in other
modules are not followed); ``walmart-migrate apply`` plans across the repository."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodCommand

from codemods.registry import CODEMODS, load_codemods

__all__ = ["MigrateToOAuth"]


class MigrateToOAuth(CodemodCommand):
    DESCRIPTION = "Run every walmart-migrate codemod, in order, on each file."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        for codemod in load_codemods(CODEMODS):
            tree = codemod(self.context).transform_module(tree)
        return tree

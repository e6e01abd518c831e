"""Run codemods on one source string, as LibCST's own codemod tests do."""

from __future__ import annotations

import textwrap

import libcst as cst
from libcst.codemod import CodemodContext

from codemods.base import Finding, MigrationOptions, WalmartCodemod, attach_options, findings_of


def run_codemods(source: str, *codemods: type[WalmartCodemod], module: str = "app.client",
                 **options: object) -> tuple[str, list[Finding]]:
    context = CodemodContext(filename=module.replace(".", "/") + ".py", full_module_name=module,
                             full_package_name=module.rpartition(".")[0])
    attach_options(context, MigrationOptions(**options))  # type: ignore[arg-type]
    tree = cst.parse_module(textwrap.dedent(source))
    for codemod in codemods:
        tree = codemod(context).transform_module(tree)
    return tree.code, findings_of(context)


def dedent(text: str) -> str:
    return textwrap.dedent(text)

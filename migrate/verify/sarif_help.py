"""What ``verify``'s SARIF tells a reviewer: per rule, what to do about a failure; and where a
cassette is, relative to the repository root, as code scanning resolves ``%SRCROOT%``."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["RECORD_AGAIN", "RULE_HELP", "repository_uri"]

RECORD_AGAIN = ("Record the cassette again with the migrated code - against the local emulator "
                "(walmart-migrate emulator) or the sandbox - with `pytest --record-mode=rewrite`, "
                "then run `walmart-migrate verify` on it.")
RULE_HELP = {
    "no-legacy-headers": "The recorded call still signs the legacy way: migrate the code that "
                         "made it (`walmart-migrate apply`), then " + RECORD_AGAIN[0].lower()
                         + RECORD_AGAIN[1:],
    "no-secrets": "The cassette holds a credential or a token. Treat it as leaked: reset the "
                  "Client Secret (or the key) in the Walmart Developer Portal, scrub the cassette "
                  "(the walmart-migrate pytest plugin's recording config does), and remove it from "
                  "the git history.",
    "before-after": "The migrated code makes other calls than the legacy code did: compare the "
                    "interaction named with the legacy cassette of the same name; if the change "
                    "is intended, record the legacy cassette again too.",
}


def _root(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def repository_uri(path: Path) -> str:
    """The cassette's path from the root of its git repository (else the current folder),
    '/'-separated: code scanning places alerts by that, and an absolute path from the machine
    that ran the check would place none."""
    absolute = Path(os.path.abspath(path))
    root = _root(absolute.parent) or Path.cwd()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:  # outside the repository and the current folder: its name is all
        return absolute.name

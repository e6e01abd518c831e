"""stub"""
from __future__ import annotations
import random
from tests.metamorphic.syntax import Tree


def creds_dataclass(tree: Tree, rng: random.Random) -> Tree | None:
    """stub"""
    return None


def creds_dict(tree: Tree, rng: random.Random) -> Tree | None:
    """stub"""
    return None


def creds_settings(tree: Tree, rng: random.Random) -> Tree | None:
    """stub"""
    return None

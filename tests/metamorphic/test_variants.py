"""The migration tool against refactored fixtures: every refactoring alone and every pair of
refactorings together (the covering sample), each variant valid seller code before the
rewrite, migrated to OAuth after it - or, for look-alikes, left byte for byte as it was."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest
import rsa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from tests.keys import new_key
from tests.metamorphic.check import ROOT, Checker, uses_jar
from tests.metamorphic.generator import NAMES, Variant, variants
from tests.metamorphic.kept import kept_cover
from tests.metamorphic.refactorings import REFACTORINGS

SEED = 20_260_130
SAMPLE = kept_cover(SEED).variants  # the same as cover(SEED), kept on disk
REWRITING = [v for v in SAMPLE if not v.lookalike]
LOOKALIKES = [v for v in SAMPLE if v.lookalike]
BRIEF = {
    "extract-helper", "inline-helper", "chain-helpers", "move-to-module", "move-to-mixin",
    "move-to-base", "alias-imports", "names-enum", "names-class-attr", "names-tuple",
    "string-building", "digest-updates", "key-in-init", "signer-partial", "signer-object",
    "creds-dataclass", "creds-dict", "creds-settings",
}


def _ids(found: list[Variant]) -> list[str]:
    return [v.id for v in found]


def _skip_without_jar(variant: Variant, checker: Checker) -> None:
    if uses_jar(variant) and checker.jar is None:
        pytest.skip("no JDK on this machine to build the signature jar")


# Each check first runs the variant unchanged, as legacy code against the emulator: a variant
# that does not behave as its fixture is reported as a generator bug, before anything else.
@pytest.mark.parametrize("variant", REWRITING, ids=_ids(REWRITING))
def test_variant_is_migrated(variant: Variant, checker: Checker) -> None:
    _skip_without_jar(variant, checker)
    outcome = checker.check(variant)
    assert outcome.valid, f"generator bug: {outcome}"
    assert outcome.status == "migrated", str(outcome)
    assert not any(outcome.harms.values()), outcome.harms


@pytest.mark.parametrize("variant", LOOKALIKES, ids=_ids(LOOKALIKES))
def test_lookalike_variant_is_left_alone(variant: Variant, checker: Checker) -> None:
    outcome = checker.check(variant)
    assert outcome.valid, f"generator bug: {outcome}"
    assert outcome.status == "untouched", str(outcome)


def test_the_refactorings_are_the_ones_asked_for() -> None:
    assert set(NAMES) == BRIEF
    assert all(r.description for r in REFACTORINGS)


def test_sample_covers_every_refactoring_alone_and_every_pair_together() -> None:
    covering = kept_cover(SEED)
    singles = {v.refactorings[0] for v in REWRITING if len(v.refactorings) == 1}
    assert singles == set(NAMES)
    together = {frozenset(p) for v in REWRITING for p in itertools.combinations(v.refactorings, 2)}
    every = {frozenset(p) for p in itertools.combinations(NAMES, 2)}
    assert every - together - covering.apart == set()
    assert not covering.apart, f"pairs that never combine: {sorted(map(sorted, covering.apart))}"
    assert covering.lookalike, "no refactoring ran on a look-alike fixture"


def test_generator_is_reproducible() -> None:
    """Same seed, same bytes - in this process and in another with another hash seed."""
    first = [(v.id, v.digest) for v in variants(SEED, 12)]
    assert first == [(v.id, v.digest) for v in variants(SEED, 12)]
    code = ("import json; from tests.metamorphic.generator import variants; "
            f"print(json.dumps([[v.id, v.digest] for v in variants({SEED}, 12)]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "12345"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [tuple(p) for p in json.loads(done.stdout)] == first
    assert len({d for _, d in first}) == len(first), "variants repeat"


def test_random_variants_are_valid_seller_code(checker: Checker) -> None:
    """A random draw beyond the covering sample, legacy runs only."""
    problems = {}
    for variant in variants(SEED + 1, 16):
        if uses_jar(variant) and checker.jar is None:
            continue
        found, _ = checker.legacy_problems(variant, checker.folder(variant))
        if found:
            problems[variant.id] = found
    assert not problems, f"generator bugs: {problems}"


def test_digest_updates_sign_the_same_bytes() -> None:
    """digest-updates swaps one-shot signing for hashing first; PKCS#1 v1.5 is deterministic,
    so both must give the very same signature."""
    key = new_key().private
    message = b"consumer\nhttps://marketplace.walmartapis.com/v3/orders\nGET\n1764000000000\n"
    one_shot = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    hasher = hashes.Hash(hashes.SHA256())
    hasher.update(message)
    assert key.sign(hasher.finalize(), padding.PKCS1v15(), Prehashed(hashes.SHA256())) == one_shot
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    legacy = rsa.PrivateKey.load_pkcs1(pem)
    assert rsa.sign_hash(rsa.compute_hash(message, "SHA-256"), legacy, "SHA-256") == \
        rsa.sign(message, legacy, "SHA-256") == one_shot


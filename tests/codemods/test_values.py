"""Values keep their hash once worked out (planning looks them up by the thousand); the kept
hash must never travel: a worker or a later process may hash strings with another seed."""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import get_args

from codemods.flow.values import CallV, Concat, Lit, Param, Ref, SelfAttr, Value, alt

ROOT = Path(__file__).resolve().parents[2]


def _sample() -> list[Value]:
    return [Lit("WM_SEC.AUTH_SIGNATURE"), Ref("acme.settings.CONSUMER_ID"),
            CallV(Ref("acme.signing.sign"), (Param("acme.client.get", "private_key"),
                                             SelfAttr("consumer_id"))),
            Concat((Lit("/v3/"), Ref("acme.settings.PATH"))),
            alt(Lit("a"), Ref("acme.b"))]


def test_equal_values_hash_alike_and_are_found_by_each_other() -> None:
    made, again = _sample(), _sample()
    assert [hash(v) for v in made] == [hash(v) for v in again]
    table = {value: index for index, value in enumerate(made)}
    assert [table[value] for value in again] == list(range(len(made)))
    # Every kind of value keeps its hash.
    assert {kind.__hash__.__code__ for kind in get_args(Value)} == {Lit.__hash__.__code__}


def test_the_kept_hash_stays_out_of_copies_and_pickles() -> None:
    for value in _sample():
        hash(value)
        copied = pickle.loads(pickle.dumps(value))  # noqa: S301 - bytes made just here
        for other in (copied, copy.copy(value), copy.deepcopy(value)):
            assert other == value
            assert "_hash" not in vars(other)


_LOOKUP = """
import pickle, sys
from tests.codemods.test_values import _sample
received = pickle.loads(sys.stdin.buffer.read())  # the test process sent them
table = {value: index for index, value in enumerate(_sample())}
print([table.get(value) for value in received])
"""


def test_a_value_hashed_here_is_found_in_a_process_with_another_seed() -> None:
    sent = _sample()
    for value in sent:
        hash(value)
    done = subprocess.run([sys.executable, "-c", _LOOKUP], input=pickle.dumps(sent),
                          capture_output=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONHASHSEED": "4242"})
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == str(list(range(len(sent))))

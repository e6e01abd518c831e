"""Generated programs (hypothesmith) with legacy signing snippets spliced in: the run never
crashes, its output parses, and a second run changes nothing. 10 x 500 examples, split so
that parallel test workers share them."""

from __future__ import annotations

import ast
import warnings

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, Phase, assume, given, seed, settings
from hypothesis import strategies as st

from codemods.flow.plan import plan_repository
from codemods.flow.summarise import summarise
from codemods.registry import CODEMODS, markers_of
from migrate.runner.inputs import Plan, SourceFile
from migrate.runner.transform import migrate_bytes
from tests.codemods.harm import harm_of
from tests.codemods.test_no_silent_misses import unaccounted

PLAN = Plan(CODEMODS, markers_of(CODEMODS))
# Built once: each call builds hypothesmith's grammar anew, which costs seconds.
PROGRAMS = hypothesmith.from_grammar()
SOURCE = SourceFile("", "generated/module.py", "generated.module")

SNIPPETS = [
    '''
import base64, time
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
class WalmartClient:
    def __init__(self, consumer_id, private_key):
        self.consumer_id = consumer_id
        self.private_key = private_key

    def _sign(self, url, method, ts):
        key = serialization.load_der_private_key(base64.b64decode(self.private_key), None)
        data = f"{self.consumer_id}\\n{url}\\n{method}\\n{ts}\\n".encode()
        return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()

    def headers(self, url, method):
        ts = str(int(time.time() * 1000))
        return {"WM_SEC.TIMESTAMP": ts, "WM_SEC.AUTH_SIGNATURE": self._sign(url, method, ts),
                "WM_CONSUMER.ID": self.consumer_id, "WM_SVC.NAME": "x"}
''',
    '''
import base64, time
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import PKCS1_v1_5
def walmart_headers(consumer_id, private_key, url):
    ts = str(int(time.time() * 1000))
    key = RSA.importKey(base64.b64decode(private_key))
    digest = SHA256.new(("%s\\n%s\\n%s\\n%s\\n" % (consumer_id, url, "GET", ts)).encode())
    headers = {}
    headers["WM_SEC.TIMESTAMP"] = ts
    headers["WM_SEC.AUTH_SIGNATURE"] = base64.b64encode(PKCS1_v1_5.new(key).sign(digest)).decode()
    headers["WM_CONSUMER.ID"] = consumer_id
    return headers
''',
    '''
async def fetch(session, url):
    signature, ts = sign_request(os.environ["WALMART_CONSUMER_ID"], os.environ["WALMART_PRIVATE_KEY"], url, "GET")
    return await session.get(url, headers={"WM_SEC.AUTH_SIGNATURE": signature, "WM_SEC.TIMESTAMP": ts})
''',
    '''
CA_HEADERS = {"WM_TENANT_ID": "WALMART.CA", "WM_SEC.AUTH_SIGNATURE": SIG, "WM_CONSUMER.ID": CID}
''',
]


def _parses_for_python(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@st.composite
def spliced(draw: st.DrawFn) -> bytes:
    program = draw(PROGRAMS)
    try:
        module = cst.parse_module(program)
    except Exception:
        assume(False)
        raise
    assume(_parses_for_python(program))
    snippet = cst.parse_module(draw(st.sampled_from(SNIPPETS)).lstrip("\n")).body
    at = draw(st.integers(0, len(module.body)))
    body = [*module.body[:at], *snippet, *module.body[at:]]
    return module.with_changes(body=body).bytes


@pytest.mark.timeout(900)
@pytest.mark.parametrize("chunk", range(10))
def test_spliced_programs(chunk: int) -> None:
    # Generation only: shrinking a generated program takes far longer than finding one, and
    # a failure prints the whole program anyway.
    @seed(7919 * (chunk + 1))
    @settings(max_examples=500, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(spliced())
    def check(source: bytes) -> None:
        first = migrate_bytes(source, SOURCE, PLAN)
        assert first.status in ("changed", "unchanged"), first.reason
        outcomes.append(first.status)
        # No silent misses, and no harm: every legacy header name and signing call has its
        # finding; nothing but Marketplace signing changed; no unused import added.
        files = [summarise(cst.parse_module(source), SOURCE.module, SOURCE.display)]
        assert unaccounted(files, plan_repository(files)) == []
        assert not harm_of([first])
        output = first.new if first.new is not None else source
        cst.parse_module(output)
        assert _parses_for_python(output.decode("utf-8"))
        second = migrate_bytes(output, SOURCE, PLAN)
        assert second.status == "unchanged", second.reason

    outcomes: list[str] = []
    check()
    # The property must not hold vacuously: most spliced snippets are migrated.
    assert outcomes.count("changed") > len(outcomes) // 2

"""Generated programs (hypothesmith) with legacy signing snippets spliced in, drawn from fixed
seeds. Drawing a program costs about as much as checking it, so the programs the suite checks
are drawn once and committed (``drawn/``, 120 kB gzipped): a fresh clone - every CI run -
checks them without drawing. A committed file is named by the seed, the count and a digest
of the snippets and the splicing; once those change, ``python -m
tests.codemods.generated_corpus`` draws the suite's seeds again and replaces the files
(``test_every_chunk_the_suite_checks_is_committed`` fails until then). The programs are test
inputs from then on, whichever Hypothesis release drew them.

Any other seed and count is drawn and kept in pytest's cache folder, keyed by everything that
decides the draw: the seed, the count, this module's own source, and the versions of Python,
Hypothesis, hypothesmith, Lark and LibCST. Any other entry, or one that does not read back
whole, is drawn again."""

from __future__ import annotations

import ast
import base64
import functools
import gzip
import hashlib
import inspect
import json
import sys
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import libcst as cst
from hypothesis import HealthCheck, Phase, assume, given, seed, settings
from hypothesis import strategies as st

from migrate.runner.entries import replace_whole

__all__ = ["SNIPPETS", "corpus", "parses_for_python"]

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

_DRAWN_BY = ("hypothesis", "hypothesmith", "lark", "libcst")


def parses_for_python(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@functools.cache
def _programs() -> Any:
    """Built once, and only when a draw is needed: building hypothesmith's grammar costs
    seconds."""
    import hypothesmith

    return hypothesmith.from_grammar()


def _splice(draw: st.DrawFn) -> bytes:
    program = draw(_programs())
    try:
        module = cst.parse_module(program)
    except Exception:
        assume(False)
        raise
    assume(parses_for_python(program))
    snippet = cst.parse_module(draw(st.sampled_from(SNIPPETS)).lstrip("\n")).body
    at = draw(st.integers(0, len(module.body)))
    body = [*module.body[:at], *snippet, *module.body[at:]]
    return module.with_changes(body=body).bytes


_spliced = st.composite(_splice)


def _draw(seed_value: int, count: int) -> list[bytes]:
    drawn: list[bytes] = []

    # Generation only: shrinking a generated program takes far longer than finding one.
    @seed(seed_value)
    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(_spliced())
    def keep(source: bytes) -> None:
        drawn.append(source)

    keep()
    return drawn


def _key(seed_value: int, count: int) -> str:
    digest = hashlib.sha256(f"{seed_value}\0{count}\0{sys.version}".encode())
    for name in _DRAWN_BY:
        digest.update(f"\0{name}={metadata.version(name)}".encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:24]


def _read(entry: Path) -> list[bytes] | None:
    try:
        stored = json.loads(entry.read_bytes())
        return [base64.b64decode(text, validate=True) for text in stored["programs"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, half written or not ours: drawn again


COMMITTED = Path(__file__).with_name("drawn")


def committed_entry(seed_value: int, count: int) -> Path:
    """Where the committed programs of a seed and count are, for the current snippets and
    splicing (the libraries' versions aside)."""
    recipe = hashlib.sha256("\0".join([*SNIPPETS, inspect.getsource(_splice),
                                       inspect.getsource(_draw)]).encode()).hexdigest()[:16]
    return COMMITTED / f"seed-{seed_value}-{count}-{recipe}.json.gz"


def _read_committed(entry: Path) -> list[bytes] | None:
    try:
        stored = json.loads(gzip.decompress(entry.read_bytes()))
        return [text.encode("utf-8", "surrogateescape") for text in stored["programs"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError):
        return None


def commit(seed_value: int, count: int, programs: list[bytes]) -> Path:
    """Write the committed file of a seed and count, and remove those of older recipes."""
    entry = committed_entry(seed_value, count)
    for stale in COMMITTED.glob(f"seed-{seed_value}-{count}-*.json.gz"):
        stale.unlink()
    text = [p.decode("utf-8", "surrogateescape") for p in programs]
    data = json.dumps({"seed": seed_value, "count": count, "programs": text}).encode()
    replace_whole(entry, gzip.compress(data, 9, mtime=0))
    return entry


def corpus(folder: Path, seed_value: int, count: int) -> tuple[Path, list[bytes]]:
    """The programs ``seed_value`` draws (``count`` of them, as Hypothesis counts valid
    examples), and the file that keeps them: the committed one when there is one."""
    committed = committed_entry(seed_value, count)
    programs = _read_committed(committed)
    if programs is not None:
        return committed, programs
    entry = folder / f"seed-{seed_value}-{_key(seed_value, count)}.json"
    programs = _read(entry)
    if programs is not None:
        return entry, programs
    programs = _draw(seed_value, count)
    for stale in folder.glob(f"seed-{seed_value}-*.json"):
        stale.unlink(missing_ok=True)  # drawn by other versions: never read again
    # Written whole or not at all: parallel test workers may read it at any moment.
    text = [base64.b64encode(p).decode("ascii") for p in programs]
    replace_whole(entry, json.dumps({"seed": seed_value, "count": count, "programs": text}).encode())
    return entry, programs


def main() -> None:
    """Draw the seeds the suite checks (or take them from pytest's cache) and commit them."""
    from tests.codemods.test_generated_programs import CHUNKS, EXAMPLES, SEED

    COMMITTED.mkdir(exist_ok=True)
    cache = Path(__file__).resolve().parents[2] / ".pytest_cache" / "d" / "generated-programs"
    cache.mkdir(parents=True, exist_ok=True)
    for chunk in range(CHUNKS):
        seed_value = SEED * (chunk + 1)
        _, programs = corpus(cache, seed_value, EXAMPLES)
        print(commit(seed_value, EXAMPLES, programs))


if __name__ == "__main__":
    main()

"""header-subscript and header-call on their own. Fixtures: session_helper_module (subscripts,
the consumer id set once on a session), urllib_jar (add_header)."""

from __future__ import annotations

import pytest

from codemods.header_statements import RewriteHeaderCalls, RewriteHeaderSubscripts
from tests.codemods.snippets import dedent, run_codemods

HELPER = '''
import base64
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import PKCS1_v1_5

def sign(consumer_id, private_key, url, method, ts):
    key = RSA.importKey(base64.b64decode(private_key))
    digest = SHA256.new(("%s\\n%s\\n%s\\n%s\\n" % (consumer_id, url, method, ts)).encode())
    return base64.b64encode(PKCS1_v1_5.new(key).sign(digest)).decode()
'''
def _expected(after: str) -> str:
    # ``import shim`` joins the plain imports of the third-party group, in order.
    return dedent(after).replace("import base64\n", "import base64\nimport shim\n", 1)


SUBSCRIPTS = [
    pytest.param(HELPER + '''
class Client:
    def __init__(self, consumer_id, private_key):
        self.consumer_id, self.private_key = consumer_id, private_key
        self.session = Session()
        self.session.headers["WM_CONSUMER.ID"] = consumer_id  # once per session
        self.session.headers["WM_SVC.NAME"] = "Acme"

    def get(self, url, ts):
        headers = {}
        headers["WM_SEC.TIMESTAMP"] = ts
        headers["WM_SEC.AUTH_SIGNATURE"] = sign(self.consumer_id, self.private_key, url, "GET", ts)
        return self.session.get(url, headers=headers)
''', HELPER + '''
class Client:
    def __init__(self, consumer_id, private_key):
        self.consumer_id, self.private_key = consumer_id, private_key
        self.session = Session()
        self.session.headers["WM_SVC.NAME"] = "Acme"

    def get(self, url, ts):
        headers = {}
        headers["WM_SEC.ACCESS_TOKEN"] = shim.access_token(self.client_id, self.client_secret)
        return self.session.get(url, headers=headers)
''', id="session-consumer-once-signature-per-request"),
    pytest.param(HELPER + '''
def get(consumer_id, private_key, url, ts, headers):
    headers["WM_SEC.TIMESTAMP"] = ts; headers['WM_SEC.AUTH_SIGNATURE'] = sign(consumer_id, private_key, url, "GET", ts); x = 1
''', HELPER + '''
def get(consumer_id, private_key, url, ts, headers):
    headers['WM_SEC.ACCESS_TOKEN'] = shim.access_token(client_id, client_secret); x = 1
''', id="semicolons"),
]

CALLS = [
    pytest.param(HELPER + '''
def get(consumer_id, private_key, url, ts):
    request = Request(url)
    request.add_header("WM_SEC.AUTH_SIGNATURE", sign(consumer_id, private_key, url, "GET", ts))
    request.add_header("WM_SEC.TIMESTAMP", ts)
    request.add_header("WM_CONSUMER.ID", consumer_id)
    request.add_header("Accept", "application/json")
    return urlopen(request)
''', HELPER + '''
def get(consumer_id, private_key, url, ts):
    request = Request(url)
    request.add_header("WM_SEC.ACCESS_TOKEN", shim.access_token(client_id, client_secret))
    request.add_header("Accept", "application/json")
    return urlopen(request)
''', id="urllib-add-header"),
]


@pytest.mark.parametrize(("before", "after"), SUBSCRIPTS)
def test_subscripts(before: str, after: str) -> None:
    assert run_codemods(before, RewriteHeaderSubscripts)[0] == _expected(after)


@pytest.mark.parametrize(("before", "after"), CALLS)
def test_calls(before: str, after: str) -> None:
    assert run_codemods(before, RewriteHeaderCalls)[0] == _expected(after)


def test_rollout_calls_become_a_loop_over_the_switch() -> None:
    code, _ = run_codemods(str(CALLS[0].values[0]), RewriteHeaderCalls, target="rollout")
    assert ("    for name, value in shim.auth_headers(consumer_id=consumer_id, "
            "private_key=private_key, url=url, method=\"GET\").items():\n"
            "        request.add_header(name, value)\n") in code
    assert "WM_SEC.TIMESTAMP" not in code


def test_rollout_subscripts_update_the_headers() -> None:
    code, _ = run_codemods(str(SUBSCRIPTS[0].values[0]), RewriteHeaderSubscripts, target="rollout")
    assert ("headers.update(shim.auth_headers(consumer_id=self.consumer_id, "
            "private_key=self.private_key, url=url, method=\"GET\"))") in code


@pytest.mark.parametrize("source", [
    pytest.param('headers["WM_SEC.ACCESS_TOKEN"] = token\n', id="oauth"),
    pytest.param('headers["WM_TENANT_ID"] = "WALMART.CA"\nheaders["WM_SEC.AUTH_SIGNATURE"] = sig\n',
                 id="canada"),
    pytest.param('request.add_header("Accept", "application/json")\n', id="unrelated"),
])
def test_unchanged(source: str) -> None:
    for codemod in (RewriteHeaderSubscripts, RewriteHeaderCalls):
        assert run_codemods(source, codemod)[0] == source

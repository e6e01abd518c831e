"""header-dict on its own: the dict entries change, nothing else (the clean-up is another
codemod's job). Fixtures: class_client_cryptography, functions_pem_constants, async_httpx_rsa,
aiohttp_google_auth, settings_module, rollout_target."""

from __future__ import annotations

import pytest

from codemods.header_dict import RewriteHeaderDicts
from tests.codemods.snippets import dedent, run_codemods

SIGN = '''
import base64
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

def sign(consumer_id, private_key, url, method, ts):
    key = serialization.load_der_private_key(base64.b64decode(private_key), None)
    data = f"{consumer_id}\\n{url}\\n{method}\\n{ts}\\n".encode()
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()
'''


CHANGES = [
    pytest.param(
        SIGN + '''
def headers(consumer_id, private_key, url, ts):
    return {"WM_SEC.AUTH_SIGNATURE": sign(consumer_id, private_key, url, "GET", ts),
            "WM_SEC.TIMESTAMP": ts, "WM_CONSUMER.ID": consumer_id, "Accept": "application/json"}
''',
        SIGN + '''
def headers(consumer_id, private_key, url, ts):
    return {"WM_SEC.ACCESS_TOKEN": shim.access_token(client_id, client_secret),
            "Accept": "application/json"}
''', id="returned-inline"),
    pytest.param(
        SIGN + '''
def headers(consumer_id, private_key, url, ts):
    return {
        'WM_SVC.NAME': 'Acme',  # keep this comment
        'WM_SEC.TIMESTAMP': ts,
        'WM_SEC.AUTH_SIGNATURE': sign(consumer_id, private_key, url, 'GET', ts),
        'WM_CONSUMER.ID': consumer_id,
    }
''',
        SIGN + '''
def headers(consumer_id, private_key, url, ts):
    return {
        'WM_SVC.NAME': 'Acme',  # keep this comment
        'WM_SEC.ACCESS_TOKEN': shim.access_token(client_id, client_secret),
    }
''', id="single-quotes-trailing-comma-comment"),
    pytest.param(
        SIGN + '''
SIG = "WM_SEC.AUTH_SIGNATURE"

async def headers(consumer_id, private_key, url, ts):
    return dict(base, **{SIG: sign(consumer_id, private_key, url, "GET", ts), "WM_CONSUMER.ID": consumer_id})
''',
        SIGN + '''
SIG = "WM_SEC.AUTH_SIGNATURE"

async def headers(consumer_id, private_key, url, ts):
    return dict(base, **{"WM_SEC.ACCESS_TOKEN": await shim.aaccess_token(client_id, client_secret)})
''', id="dict-call-constant-key-async"),
]

UNCHANGED = [
    pytest.param('headers = {"WM_SEC.ACCESS_TOKEN": token, "WM_SVC.NAME": "x"}\n', id="oauth"),
    pytest.param('headers = {"Accept": "application/json"}\n', id="no-walmart-headers"),
    pytest.param(SIGN + '''
def headers(consumer_id, private_key, url, ts):
    return {"WM_SEC.AUTH_SIGNATURE": sign(consumer_id, private_key, url, "GET", ts),
            "WM_TENANT_ID": "WALMART.CA", "WM_CONSUMER.ID": consumer_id}
''', id="canada"),
    pytest.param('''
def headers(cid, ts, version, sig):
    return {"WM_CONSUMER.ID": cid, "WM_CONSUMER.INTIMESTAMP": ts, "WM_SEC.KEY_VERSION": version,
            "WM_SEC.AUTH_SIGNATURE": sig}
''', id="affiliate"),
    pytest.param('''
def headers(consumer_id, sig):
    return {"WM_SEC.AUTH_SIGNATURE": sig, "WM_CONSUMER.ID": consumer_id}
''', id="signature-from-the-caller"),
]


@pytest.mark.parametrize(("before", "after"), CHANGES)
def test_changes(before: str, after: str) -> None:
    code, _ = run_codemods(before, RewriteHeaderDicts)
    # Alone, the codemod leaves renames and clean-up to the codemods after it: the token call
    # already names the client id and secret the credentials codemod will introduce.
    # ``import shim`` joins the plain imports of the third-party group, in order.
    expected = dedent(after).replace("import base64\n", "import base64\nimport shim\n", 1)
    assert code == expected


@pytest.mark.parametrize("source", UNCHANGED)
def test_unchanged(source: str) -> None:
    code, _ = run_codemods(source, RewriteHeaderDicts)
    assert code == dedent(source)


def test_the_rollout_entry_comes_first_so_the_sellers_own_entries_still_win() -> None:
    code, _ = run_codemods(SIGN + '''
def headers(consumer_id, private_key, url, ts):
    return {"WM_SVC.NAME": "Acme", "WM_SEC.TIMESTAMP": ts,
            "WM_SEC.AUTH_SIGNATURE": sign(consumer_id, private_key, url, "GET", ts),
            "WM_CONSUMER.ID": consumer_id}
''', RewriteHeaderDicts, target="rollout")
    assert ('return {**shim.auth_headers(consumer_id=consumer_id, private_key=private_key, '
            'url=url, method="GET"), "WM_SVC.NAME": "Acme"}') in code

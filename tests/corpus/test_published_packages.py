"""Real published Walmart client packages that nobody here wrote, scanned and applied as a seller
would: nothing in them is Marketplace legacy signing, so nothing may change and no finding may
give Marketplace advice, while each legacy header name still ends in a finding."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.corpus.conftest import Published, Scan, checkout, tree


@dataclass(frozen=True)
class Expect:
    scheme: str  # every finding in the file has this scheme
    required: bool  # and there is at least one


PACKAGES = [
    # Already OAuth: client credentials against /v3/token, then WM_SEC.ACCESS_TOKEN.
    Published("python-walmart", "0.1.8", "sdist",
              "d4ed7ab3da584a29ee0c893395a2ae106fd20fde96b0b1952d1426517d661730"),
    # Legacy Canada Marketplace signed by Walmart's jar. Published as a wheel only.
    Published("wmapi", "0.1", "wheel",
              "4e8aa73a9d9a911e2d44b010d90ece96a47ce13ae323b945f120ab9a2cade023"),
    # Walmart I/O (affiliate) signature, as a requests auth class.
    Published("requests-walmart-auth", "1.0.1", "sdist",
              "ed0abb2fb44c6202a6afe5ba57489328bc010dbb82b0beb6166c75154ddcc9a1"),
    # Walmart I/O (affiliate) signature, sync and async clients.
    Published("wiopy", "1.2.2", "sdist",
              "a2936e560802c9f75e476c484b6b8dfa133db28d6c4fb63cf5d4421cc71d91e2"),
    # A generated Marketplace SDK: every call takes the access token as a parameter.
    Published("walmart-solutions-apimatic-sdk", "0.0.1", "sdist",
              "7c2fe5ad79a8c624250b694c2fb89863428bd07846d04518d0351655d3b05728"),
]

_SDK = "inventorymanagementanditemmanagementandordermanagementandpricemanagement/controllers"
_SDK_CONTROLLERS = (
    "acknowledge", "associations", "cancel", "count", "cppreference", "feeds",
    "get_pricing_insights", "id", "incentives", "inventories", "inventory", "items", "orders",
    "price", "purchase_order_id", "refund", "released", "repricer_feeds", "search", "shipping",
    "sku", "spec", "strategies", "strategy_collection_id", "strategy", "taxonomy", "wfpreference",
)

# Every .py file that names a Walmart auth header, and the scheme its findings must have.
EXPECTED: dict[str, dict[str, Expect]] = {
    "python-walmart": {
        # Walmart(client_id, client_secret) sets session.auth = HTTPBasicAuth(client_id,
        # client_secret), POSTs grant_type=client_credentials to {base_url}/token and stores
        # the answer in session.headers["WM_SEC.ACCESS_TOKEN"]. No legacy header name anywhere.
        "walmart/walmart.py": Expect("oauth", required=False),
    },
    "wmapi": {
        # WMAPI.__init__ builds self.headers with WM_CONSUMER.ID *and* "WM_TENANT_ID":
        # "WALMART.CA", "WM_LOCALE_ID": "en_CA" in the same dict literal; send_request adds
        # WM_SEC.TIMESTAMP / WM_SEC.AUTH_SIGNATURE to that dict via .update(); get_auth runs
        # `java -jar walmart.jar DigitalSignatureUtil url consumer_id key GET` and parses the
        # jar's "WM_SEC.AUTH_SIGNATURE:" / "WM_SEC.TIMESTAMP:" lines; Items calls
        # "https://marketplace.walmartapis.com/v3" + "/ca/items" (= /v3/ca/items).
        "wmapi/wmapi.py": Expect("canada-signature", required=True),
    },
    "requests-walmart-auth": {
        # SignedHeadersFactory.new_header builds {WM_CONSUMER.ID, WM_SEC.KEY_VERSION,
        # WM_CONSUMER.INTIMESTAMP}, signs helpers.to_bytes(headers) - the values sorted by
        # header name, each followed by "\n", no URL and no method - with pycryptodome
        # PKCS1_v1_5/SHA256, then sets headers['WM_SEC.AUTH_SIGNATURE'] on the same dict.
        "walmart_auth/signed_headers_factory/signed_headers_factory.py":
            Expect("affiliate-signature", required=True),
    },
    "wiopy": {
        # __init__ sets self.headers["WM_CONSUMER.ID"] and ["WM_SEC.KEY_VERSION"];
        # _get_headers sets ["WM_CONSUMER.INTIMESTAMP"], signs consumer id + "\n" + intimestamp
        # + "\n" + key version + "\n" (hand-sorted, no URL, no method) with pycryptodome, and
        # sets ["WM_SEC.AUTH_SIGNATURE"]. The async client is a copy of the sync one.
        "wiopy/WalmartIO.py": Expect("affiliate-signature", required=True),
        "wiopy/AsyncWIO.py": Expect("affiliate-signature", required=True),
    },
    "walmart-solutions-apimatic-sdk": {
        # Each controller method sends .header_param(Parameter().key("WM_SEC.ACCESS_TOKEN")
        # .value(wm_sec_access_token)) plus WM_CONSUMER.CHANNEL.TYPE, WM_QOS.CORRELATION_ID and
        # WM_SVC.NAME; the caller supplies the token. No legacy header name anywhere.
        f"{_SDK}/{name}_controller.py": Expect("oauth", required=False) for name in _SDK_CONTROLLERS
    },
}

# Auth header names, in any case (HTTP header names are case-insensitive and code spells them
# either way); WM_CONSUMER.CHANNEL.TYPE and WM_SVC.NAME are not auth headers.
AUTH_HEADER = re.compile(
    rb"WM_SEC\.(?:ACCESS_TOKEN|AUTH_SIGNATURE|TIMESTAMP|KEY_VERSION)|WM_CONSUMER\.(?:ID|INTIMESTAMP)(?!\w)",
    re.IGNORECASE)
# The names that only the legacy signature schemes send.
LEGACY_HEADER = re.compile(rb"WM_SEC\.AUTH_SIGNATURE|WM_SEC\.TIMESTAMP|WM_CONSUMER\.ID(?!\w)", re.IGNORECASE)
# What a finding says to someone it is telling to move to Marketplace OAuth: the shim, client
# credentials, or WM_SEC.ACCESS_TOKEN as something to add ("already sends ..." is not advice).
MARKETPLACE_ADVICE = re.compile(
    r"shim\.\w+|client credentials|pass the client"
    r"|\b(?:add|use|send|set|put|switch to|move to|migrate to|rewrite to|replaced? by"
    r"|replace\b[^;]*?\bwith)\b[^;]*?WM_SEC\.ACCESS_TOKEN",
    re.IGNORECASE)

pytestmark = pytest.mark.parametrize("package", PACKAGES, ids=[p.slug for p in PACKAGES])


def _files_naming(pattern: re.Pattern[bytes], root: Path) -> set[str]:
    return {path for path, data in tree(root).items() if path.endswith(".py") and pattern.search(data)}


def _show(path: str, finding: dict[str, object]) -> str:
    return (f"{path}:{finding['line']}:{finding['column']}  {finding['scheme']}  {finding['action']}  "
            f"{finding['message']}")


def test_apply_leaves_every_file_byte_identical(package: Published, tmp_path: Path) -> None:
    repo = checkout(package, tmp_path)
    before = tree(repo.path)
    report = tmp_path / "apply.json"
    done = repo.run("apply", "--report", str(report), ".", toys=False)
    assert done.code in (0, 1), f"apply exited {done.code}:\n{done.err}"
    after = tree(repo.path)
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    statuses = {f["path"]: f["status"] for f in json.loads(report.read_text())["files"]}
    assert changed == [], f"apply changed {changed}; report: {statuses}\n{done.out}"


def test_no_marketplace_finding_and_no_marketplace_advice(package: Published, scanned: Scan) -> None:
    wrong = [_show(path, finding) for path, finding in scanned.findings()
             if finding["scheme"] == "marketplace-signature" or finding["action"] == "rewritten"
             or MARKETPLACE_ADVICE.search(finding["message"])]
    assert wrong == [], "Marketplace migration findings in code that is not Marketplace signing:\n" + \
        "\n".join(wrong)


def test_each_file_with_auth_headers_gets_the_expected_scheme(package: Published, scanned: Scan) -> None:
    expected = EXPECTED[package.name]
    assert _files_naming(AUTH_HEADER, scanned.root) == set(expected), "the table above is out of date"
    problems = []
    for path, expect in sorted(expected.items()):
        findings = scanned.findings_in(path)
        if expect.required and not findings:
            problems.append(f"{path}: no finding ({scanned.status(path)}); expected {expect.scheme}")
        problems += [f"expected {expect.scheme}, got: {_show(path, finding)}"
                     for finding in findings if finding["scheme"] != expect.scheme]
    assert problems == [], "\n".join(problems)


def test_every_file_with_a_legacy_header_name_has_a_finding(package: Published, scanned: Scan) -> None:
    legacy = _files_naming(LEGACY_HEADER, scanned.root)
    missed = [f"{path} ({scanned.status(path)})" for path in sorted(legacy) if not scanned.findings_in(path)]
    assert missed == [], "silent misses: " + ", ".join(missed)

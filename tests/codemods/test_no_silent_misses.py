"""No silent misses: every legacy header name and every RSA or HMAC signing call written in
a file ends in exactly one finding - over every fixture tree, the sample seller, and code
written to hide them (lower-case names, names in an Enum, a tuple, a class attribute; a
signature computed and never sent; a scrubbing list)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from codemods.findings import Finding
from codemods.flow.plan import RepoPlan, plan_repository
from codemods.flow.summarise import summarise
from codemods.flow.summary import FileSummary
from tests.codemods.fixture_cases import CASES, ROOT
from tests.codemods.snippets import dedent


def summaries(root: Path) -> list[FileSummary]:
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        found.append(summarise(cst.parse_module(path.read_bytes()), module,
                               path.relative_to(root).as_posix(), is_package))
    return found


def unaccounted(files: list[FileSummary], plan: RepoPlan) -> list[str]:
    """Occurrences with no finding - each a bug."""
    missing = []
    findings = {(module, f.line) for module, found in plan.findings.items() for f in found}
    for file in files:
        accounted = plan.accounted.get(file.module, {})
        for occurrence in file.occurrences:
            key = (occurrence.kind, occurrence.loc[1], occurrence.loc[2])
            if occurrence.kind == "signing" and key in accounted and accounted[key] is None:
                continue  # a .sign() that turned out not to be a signing call
            if accounted.get(key) not in findings:
                missing.append(f"{file.path}:{occurrence.loc[1]} {occurrence.kind} {occurrence.what}")
    return missing


TREES = [pytest.param(c.before, id=c.name) for c in CASES] + \
    [pytest.param(ROOT / "migrate" / "sample-seller", id="sample-seller")]


@pytest.mark.parametrize("root", TREES)
def test_every_occurrence_in_the_fixtures_has_a_finding(root: Path) -> None:
    files = summaries(root)
    plan = plan_repository(files)
    assert unaccounted(files, plan) == []
    assert any(f.occurrences for f in files)  # the property is not vacuous


HIDDEN = {
    "lowercase": '''
        import base64, time, requests
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
        def call(url, consumer_id, private_key):
            ts = str(int(time.time() * 1000))
            key = serialization.load_der_private_key(base64.b64decode(private_key), None)
            sig = base64.b64encode(key.sign(f"{consumer_id}\\n{url}\\nGET\\n{ts}\\n".encode(),
                                            padding.PKCS1v15(), hashes.SHA256())).decode()
            return requests.get(url, headers={"wm_sec.auth_signature": sig, "wm_sec.timestamp": ts,
                                              "wm_consumer.id": consumer_id})
        ''',
    "scrubbing-list": '''
        SECRET_HEADERS = {"WM_SEC.AUTH_SIGNATURE", "WM_CONSUMER.ID"}
        def scrub(headers):
            return {k: ("***" if k in SECRET_HEADERS else v) for k, v in headers.items()}
        ''',
    "signed-never-sent": '''
        import base64
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
        def signature(consumer_id, private_key, url, method, ts):
            key = serialization.load_der_private_key(base64.b64decode(private_key), None)
            text = f"{consumer_id}\\n{url}\\n{method}\\n{ts}\\n"
            return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256()))
        ''',
    "names-in-an-enum-used-oddly": '''
        import enum
        class H(enum.Enum):
            SIG = "WM_SEC.AUTH_SIGNATURE"
            TS = "WM_SEC.TIMESTAMP"
        def names():
            return [h.value for h in H]
        ''',
}


@pytest.mark.parametrize("name", sorted(HIDDEN))
def test_hidden_occurrences_each_get_a_finding(name: str, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(dedent(HIDDEN[name]))
    files = summaries(tmp_path)
    plan = plan_repository(files)
    assert files[0].occurrences
    assert unaccounted(files, plan) == []
    findings: list[Finding] = plan.findings.get("app", [])
    if name == "lowercase":  # the lower-case spelling is the Marketplace scheme all the same
        assert [(f.scheme, f.action) for f in findings] == [("marketplace-signature", "rewritten")]
    if name == "signed-never-sent":
        assert [(f.scheme, f.action) for f in findings] == [("marketplace-signature", "manual")]

"""``scan --format sarif`` as GitHub code scanning takes it: valid SARIF 2.1.0 on every kind of
repository, no alert on code already on OAuth, alerts that survive lines moving, and an exit
code an upload step can live with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.runner.conftest import LEGACY, ROOT, Repo
from tests.sarif_schema import SarifProblem, check_sarif

SAMPLE = ROOT / "fixtures" / "sample-seller"
LOOKALIKES = ROOT / "fixtures" / "codemods" / "lookalikes_untouched" / "before"


def _copy(source: Path, repo: Repo) -> Repo:
    shutil.copytree(source, repo.path, dirs_exist_ok=True)
    repo.commit()
    return repo


def _scan(repo: Repo, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    done = repo.run("scan", "--format", "sarif", "--no-cache", ".", *extra, toys=False)
    assert done.code in (0, 1), done.err
    return done.code, check_sarif(done.out)


def _results(log: dict) -> list[dict]:  # type: ignore[type-arg]
    return log["runs"][0]["results"]  # type: ignore[no-any-return]


def test_the_sample_seller(repo: Repo) -> None:
    code, log = _scan(_copy(SAMPLE, repo))
    assert code == 1
    found = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
             for r in _results(log)}
    assert ("header-dict", "seller/walmart/client.py") in found
    assert ("look-alike/canada-signature", "seller/canada/client.py") in found
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "walmart-migrate apply" in rules["header-dict"]["help"]["text"]


def test_code_already_on_oauth_is_no_alert(repo: Repo) -> None:
    code, log = _scan(_copy(LOOKALIKES, repo))
    text = json.dumps(log)
    assert "oauth)" not in text and "already sends WM_SEC.ACCESS_TOKEN" not in text
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in _results(log)}
    assert "partners/already_oauth.py" not in uris
    assert "partners/canada.py" in uris  # look-alikes are still shown, as notes
    assert code == 1  # the hybrid site needs a person


def test_a_file_that_cannot_be_read_is_a_notification(repo: Repo) -> None:
    repo.write("app/client.py", LEGACY)
    repo.write("app/broken.py", 'H = {"WM_SEC.AUTH_SIGNATURE": s\n')
    repo.commit()
    _, log = _scan(repo)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("app/broken.py" in n["message"]["text"] for n in notes)


def test_an_empty_repository(repo: Repo) -> None:
    repo.commit()
    code, log = _scan(repo)
    assert code == 0 and _results(log) == []


def test_alerts_keep_their_fingerprints_when_lines_move(repo: Repo) -> None:
    _copy(SAMPLE, repo)
    _, before = _scan(repo)
    client = repo.path / "seller" / "walmart" / "client.py"
    client.write_text("# moved\n# down\n# three lines\n" + client.read_text())
    repo.commit("lines moved")
    _, after = _scan(repo)

    def alerts(log: dict) -> dict[str, int]:  # type: ignore[type-arg]
        return {r["partialFingerprints"]["walmartMigrate/v2"]:
                r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in _results(log)}

    old, new = alerts(before), alerts(after)
    assert set(old) == set(new) and len(old) == len(_results(before))
    moved = [f for f in old if new[f] != old[f]]
    assert moved and all(new[f] == old[f] + 3 for f in moved)


def test_exit_zero_for_an_upload_step(repo: Repo) -> None:
    _copy(SAMPLE, repo)
    code, log = _scan(repo, "--exit-zero")
    assert code == 0 and _results(log)


def test_the_check_itself_rejects_what_github_rejects() -> None:
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {
        "name": "x", "informationUri": "https://example.org/",
        "rules": [{"id": "r", "shortDescription": {"text": "r"}}]}}, "results": []}]}
    with pytest.raises(SarifProblem, match="rule r: no fullDescription"):
        check_sarif(json.dumps(log))
    log["runs"][0]["results"] = [{"message": {}}]  # type: ignore[index]
    with pytest.raises(SarifProblem, match="results/0/message"):
        check_sarif(json.dumps(log))


def test_sites_apply_rewrote_are_no_alerts(repo: Repo) -> None:
    _copy(SAMPLE, repo)
    done = repo.run("apply", "--format", "sarif", ".", toys=False)
    assert done.code == 0, done.err
    rules = {r["ruleId"] for r in _results(check_sarif(done.out))}
    assert rules == {"look-alike/affiliate-signature", "look-alike/canada-signature"}

"""Verify 10,000 interactions (100 cassettes of 100) and print interactions per second, with
the ratio to bare YAML loading of the same cassettes (the floor)."""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

from migrate.verify.command import VerifyRequest, run_verify

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BASE = "https://marketplace.walmartapis.com"


def _headers(**extra: str) -> dict[str, list[str]]:
    return {"WM_SVC.NAME": ["Walmart Marketplace"], "WM_QOS.CORRELATION_ID": [str(uuid.uuid4())],
            "Accept": ["application/json"], **{k: [v] for k, v in extra.items()}}


def _cassette(calls: int) -> dict[str, Any]:
    token = {"request": {"method": "POST", "uri": BASE + "/v3/token",
                         "body": "grant_type=client_credentials",
                         "headers": _headers(**{"Authorization": "Basic <WALMART-BASIC-1>",
                                                "Content-Type": "application/x-www-form-urlencoded"})},
             "response": {"status": {"code": 200, "message": "OK"},
                          "headers": {"Content-Type": ["application/json"],
                                      "Date": ["Sat, 28 Nov 2026 12:00:00 GMT"]},
                          "body": {"string": '{"access_token":"<WALMART-TOKEN-1>","token_type":'
                                             '"Bearer","expires_in":900}'}}}
    body = '{"list":{"meta":{"totalCount":1},"elements":{"order":[{"purchaseOrderId":"1"}]}}}'
    interactions = [token] + [
        {"request": {"method": "GET", "uri": f"{BASE}/v3/orders?limit={n}", "body": None,
                     "headers": _headers(**{"WM_SEC.ACCESS_TOKEN": "<WALMART-TOKEN-1>"})},
         "response": {"status": {"code": 200, "message": "OK"},
                      "headers": {"Content-Type": ["application/json"],
                                  "Date": ["Sat, 28 Nov 2026 12:00:05 GMT"]},
                      "body": {"string": body}}}
        for n in range(calls - 1)]
    return {"version": 1, "interactions": interactions}


def run(scale: float = 1.0) -> list[str]:
    cassettes, per = (100, 100) if scale >= 1 else (10, 50)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for index in range(cassettes):
            (root / f"c{index:03}.yaml").write_text(yaml.dump(_cassette(per), Dumper=_DUMPER))
        files = sorted(root.glob("*.yaml"))
        started = time.perf_counter()
        for path in files:
            yaml.load(path.read_text(), Loader=_LOADER)  # noqa: S506
        floor = time.perf_counter() - started
        started = time.perf_counter()
        outcome = run_verify(VerifyRequest(paths=(root,)))
        verify = time.perf_counter() - started
    total = cassettes * per
    assert not outcome.violations, outcome.violations[:3]
    return [f"verified {total} interactions in {verify:.2f}s: {total / verify:,.0f} interactions/s",
            f"bare YAML loading of the same cassettes: {floor:.2f}s ({total / floor:,.0f}/s); "
            f"verify takes {verify / floor:.1f}x the floor"]

"""``POST jobs/batch``: many jobs in one request, in order, all or none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigen_jupyter.server_ext import payloads
from tests.jupyter.server.client import BELL, BROKEN, load

JOBSPEC = ("apiVersion: eigen.os/v1\nkind: QuantumJob\nmetadata: {name: from-spec}\n"
           "spec:\n  target: simulator\n  shots: 64\n  program:\n    source: |\n"
           + "".join(f"      {line}\n" for line in BELL.splitlines()))


async def test_a_batch_is_submitted_in_order_with_its_priorities(
    api: Any, held_queue: Any, eigen_home: Path
) -> None:
    requests = [
        {"source": BELL, "seed": 1, "priority": 10, "name": "low"},
        {"source": BELL, "seed": 2, "priority": 90, "name": "high", "shots": 32},
        {"jobspec": JOBSPEC, "priority": 50},
    ]
    response = await api("jobs", "batch", method="POST", body={"requests": requests})
    assert response.code == 201
    batch = load(response)
    assert batch["schema_version"] == 1
    jobs = batch["jobs"]
    assert [(j["name"], j["priority"]) for j in jobs] == [("low", 10), ("high", 90),
                                                          ("from-spec", 50)]
    assert [j["shots"] for j in jobs[1:]] == [32, 64]
    assert {j["state"] for j in jobs} == {"QUEUED"}  # compiled before the answer
    assert all(j["owner"] for j in jobs)
    listed = load(await api("jobs"))
    assert listed["total"] == 3
    assert {j["id"]: j["priority"] for j in listed["jobs"]} == {j["id"]: j["priority"]
                                                                for j in jobs}


async def test_the_batch_runs(api: Any) -> None:
    requests = [{"source": BELL, "seed": s, "shots": 50} for s in range(3)]
    jobs = load(await api("jobs", "batch", method="POST", body={"requests": requests}))["jobs"]
    for job in jobs:
        done = load(await api("jobs", job["id"], params={"wait": "60"}))
        assert (done["state"], done["shots"]) == ("DONE", 50)


@pytest.mark.parametrize(
    ("bad", "status", "error_type", "field"),
    [
        ({"source": BELL, "shots": 0}, 400, None, "requests[2].shots"),
        ({"source": BELL, "colour": "red"}, 400, None, "requests[2].colour"),
        ({}, 400, None, "requests[2].source"),
        ({"source": BROKEN}, 400, "CompileError", "requests[2].source"),
        ({"jobspec": "kind: [unclosed"}, 400, "JobSpecError", "requests[2]"),
        ({"source": BELL, "target": "quantum-toaster"}, 404, "DeviceNotFound", None),
        ({"source": BELL, "dependencies": ["j-0123456789ab"]}, 404, "JobNotFound", None),
    ],
    ids=["bad-shots", "unknown-field", "no-program", "compile-error", "bad-jobspec",
         "unknown-target", "missing-dependency"],
)
async def test_one_bad_request_fails_the_batch_and_creates_no_job(
    api: Any, fail: Any, held_queue: Any, eigen_home: Path, bad: dict[str, Any], status: int,
    error_type: str | None, field: str | None,
) -> None:
    requests = [{"source": BELL, "seed": 1}, {"source": BELL, "seed": 2}, bad,
                {"source": BELL, "seed": 3}]
    code, error = await fail("jobs", "batch", method="POST", body={"requests": requests})

    assert code == status
    assert "request #2" in error["message"] or "requests[2]" in error["message"]
    if error_type is not None:
        assert error["type"] == error_type
    if field is not None:
        assert error["details"][0]["field"].startswith(field)
    if error_type == "CompileError":
        assert error["message"].startswith("request #2: ")
        assert [(d["code"], d["line"]) for d in error["diagnostics"]] == [("E201", 5)]
    assert load(await api("jobs"))["total"] == 0
    assert not any((eigen_home / "circuit_fs").glob("j-*"))  # nothing was stored either


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "requests"),
        ({"requests": "all of them"}, "must be a list"),
        ({"requests": []}, "at least one"),
        ({"requests": [{"source": BELL}, "bell"]}, "requests[1]: must be a JSON object"),
        ({"request": [{"source": BELL}]}, "did you mean 'requests'"),
        ({"requests": [{"source": BELL}] * 4}, "at most 3 requests, got 4"),
    ],
    ids=["missing", "not-a-list", "empty", "not-an-object", "typo", "too-many"],
)
async def test_malformed_batches(fail: Any, monkeypatch: pytest.MonkeyPatch,
                                 body: dict[str, Any], message: str) -> None:
    monkeypatch.setattr(payloads, "MAX_BATCH_REQUESTS", 3)
    code, error = await fail("jobs", "batch", method="POST", body=body)
    assert (code, error["code"]) == (400, "INVALID_ARGUMENT")
    assert message in error["message"]


async def test_every_bad_field_of_every_request_is_listed(fail: Any) -> None:
    requests = [{"source": BELL, "shots": -1}, {"source": BELL},
                {"source": BELL, "priority": 101, "seed": "x"}]
    _, error = await fail("jobs", "batch", method="POST", body={"requests": requests})
    assert [d["field"] for d in error["details"]] == [
        "requests[0].shots", "requests[2].priority", "requests[2].seed"]
    assert error["message"].startswith("bad job batch: requests[0].shots: ")
    assert error["message"].endswith("(and 2 more)")

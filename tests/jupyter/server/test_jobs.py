"""``jobs``: submit -> DONE -> results -> artifacts, listing, cancel, and their errors."""

from __future__ import annotations

import json
from typing import Any

from tests.jupyter.server.client import BELL, load


async def test_submit_run_results_artifacts(api: Any, submit: Any, jp_base_url: str) -> None:
    body = {"source": BELL, "shots": 200, "seed": 11, "name": "bell"}
    response = await api("jobs", method="POST", body=body)
    assert response.code == 201
    job = load(response)
    assert response.headers["Location"] == f"{jp_base_url}eigen/api/v1/jobs/{job['id']}"
    assert job["schema_version"] == 1
    assert job["state"] in ("QUEUED", "RUNNING", "DONE")  # compiled synchronously
    assert job["name"] == "bell" and job["shots"] == 200 and job["seed"] == 11
    assert job["owner"]  # Jupyter's identity of the token user

    done = load(await api("jobs", job["id"], params={"wait": "60"}))
    assert done["state"] == "DONE"
    assert list(done["timestamps"]) == ["PENDING", "COMPILING", "QUEUED", "RUNNING", "DONE"]

    results = load(await api("jobs", job["id"], "results"))
    assert results["job_id"] == job["id"] and results["state"] == "DONE"
    counts = results["results"]["counts"]
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 200

    names = load(await api("jobs", job["id"], "artifacts"))["artifacts"]
    assert {"program.eigen.py", "job.yaml", "compiled.aqo.json", "compiled.qasm",
            "results.json", "meta.json"} <= set(names)
    stored = await api("jobs", job["id"], "artifacts", "results.json")
    assert stored.headers["Content-Type"] == "application/json"
    assert json.loads(stored.body)["results"]["counts"] == counts
    program = await api("jobs", job["id"], "artifacts", "program.eigen.py")
    assert program.headers["Content-Type"].startswith("text/x-python")
    assert program.body.decode() == BELL
    qasm = await api("jobs", job["id"], "artifacts", "compiled.qasm")
    assert qasm.body.startswith(b"OPENQASM 3")


async def test_list_filters_and_pages(api: Any, submit: Any, held_queue: Any) -> None:
    first = await submit(name="alpha")
    second = await submit(name="beta")
    page = load(await api("jobs"))
    assert page["total"] == 2 and [j["id"] for j in page["jobs"]] == [second["id"], first["id"]]
    assert page["limit"] == 100 and page["offset"] == 0
    one = load(await api("jobs", params={"limit": "1", "offset": "1"}))
    assert one["total"] == 2 and [j["id"] for j in one["jobs"]] == [first["id"]]
    assert load(await api("jobs", params={"search": "beta"}))["total"] == 1
    queued = load(await api("jobs", params={"state": "queued"}))  # case-insensitive
    assert queued["total"] == 2
    assert load(await api("jobs", params={"state": "DONE"}))["jobs"] == []
    counted = load(await api("jobs", params={"limit": "0"}))
    assert counted == {**counted, "jobs": [], "total": 2}


async def test_cancel_a_queued_job(api: Any, submit: Any, fail: Any, held_queue: Any) -> None:
    job = await submit()
    assert job["state"] == "QUEUED"
    cancelled = load(await api("jobs", job["id"], method="DELETE"))
    assert cancelled["state"] == "CANCELLED" and cancelled["error_code"] == "CANCELLED"
    again = load(await api("jobs", job["id"], method="DELETE"))  # idempotent
    assert again["state"] == "CANCELLED"
    status, error = await fail("jobs", job["id"], "results")
    assert status == 409
    assert error["code"] == "CANCELLED" and error["type"] == "JobCancelled"
    assert error["job_id"] == job["id"]


async def test_results_of_an_unfinished_job_are_a_conflict(
    submit: Any, fail: Any, held_queue: Any
) -> None:
    job = await submit()
    status, error = await fail("jobs", job["id"], "results")
    assert (status, error["code"]) == (409, "FAILED_PRECONDITION")
    assert error["details"] == [{"field": "job_id", "message": f"{job['id']} is QUEUED"}]
    status, error = await fail("jobs", job["id"], "results", params={"wait": "0.2"})
    assert status == 409  # waited, still queued


async def test_wait_returns_the_current_record_when_time_runs_out(
    api: Any, submit: Any, held_queue: Any
) -> None:
    job = await submit()
    record = load(await api("jobs", job["id"], params={"wait": "0.2"}))
    assert record["state"] == "QUEUED"


async def test_unknown_and_malformed_ids(fail: Any) -> None:
    status, error = await fail("jobs", "j-0123456789ab")
    assert (status, error["code"], error["type"]) == (404, "NOT_FOUND", "JobNotFound")
    for parts in (("jobs", "..%2Fetc"), ("jobs", "J-0123456789AB", "results"),
                  ("jobs", "nope", "artifacts")):
        status, error = await fail(*parts)
        assert (status, error["code"]) == (400, "INVALID_ARGUMENT")
        assert error["details"][0]["field"] == "job_id"


async def test_artifact_names_are_checked(api: Any, submit: Any, fail: Any,
                                          held_queue: Any) -> None:
    job = await submit()
    status, error = await fail("jobs", job["id"], "artifacts", "..")
    assert (status, error["details"][0]["field"]) == (400, "name")
    status, error = await fail("jobs", job["id"], "artifacts", "passwd")
    assert status == 400 and error["code"] == "INVALID_ARGUMENT"  # not an artifact name
    status, error = await fail("jobs", job["id"], "artifacts", "results.json")
    assert (status, error["code"]) == (404, "NOT_FOUND")  # not written yet


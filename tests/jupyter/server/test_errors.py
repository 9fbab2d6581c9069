"""Bad requests get the JSON error envelope, with the path of every bad field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.jupyter.server.client import BELL, BROKEN

BAD_SUBMISSIONS = [
    pytest.param("", ["body"], id="empty-body"),
    pytest.param("{not json", ["body"], id="not-json"),
    pytest.param("[1, 2]", ["body"], id="array-body"),
    pytest.param({}, ["source"], id="no-program"),
    pytest.param({"source": BELL, "shot": 10}, ["shot"], id="unknown-field"),
    pytest.param({"source": BELL, "shots": "many"}, ["shots"], id="shots-type"),
    pytest.param({"source": BELL, "shots": True}, ["shots"], id="shots-bool"),
    pytest.param({"source": BELL, "priority": 101, "seed": -1}, ["priority", "seed"],
                 id="two-ranges"),
    pytest.param({"source": BELL, "dependencies": ["j-0123456789ab", 7]}, ["dependencies[1]"],
                 id="dependency-item"),
    pytest.param({"source": BELL, "inputs": [1]}, ["inputs"], id="inputs-type"),
    pytest.param({"source": 5}, ["source"], id="source-type"),
    pytest.param({"source": BELL, "schema_version": 2}, ["schema_version"], id="version"),
]


@pytest.mark.parametrize(("body", "fields"), BAD_SUBMISSIONS)
async def test_bad_submission_bodies(fail: Any, body: Any, fields: list[str]) -> None:
    status, error = await fail("jobs", method="POST",
                               body=body if isinstance(body, str) else json.dumps(body))
    assert (status, error["code"], error["type"]) == (400, "INVALID_ARGUMENT", "InvalidArgument")
    assert [d["field"] for d in error["details"]] == fields
    assert all(d["message"] for d in error["details"])


async def test_unknown_field_suggests_the_right_one(fail: Any) -> None:
    _, error = await fail("jobs", method="POST", body={"source": BELL, "shot": 10})
    assert "did you mean 'shots'?" in error["details"][0]["message"]


async def test_a_program_that_does_not_compile(fail: Any) -> None:
    status, error = await fail("jobs", method="POST", body={"source": BROKEN})
    assert (status, error["code"], error["type"]) == (400, "INVALID_ARGUMENT", "CompileError")
    detail = error["details"][0]
    assert (detail["field"], detail["line"], detail["col"], detail["code"]) == (
        "source", 5, 5, "E201")
    assert error["diagnostics"][0]["code"] == "E201"


async def test_engine_option_errors_keep_their_field_paths(fail: Any) -> None:
    status, error = await fail("jobs", method="POST",
                               body={"source": BELL, "target": "no-such-device"})
    assert (status, error["code"]) == (404, "NOT_FOUND")
    status, error = await fail("jobs", method="POST",
                               body={"source": BELL, "dependencies": ["nope"]})
    assert (status, [d["field"] for d in error["details"]]) == (400, ["dependencies"])
    status, error = await fail("jobs", method="POST",
                               body={"source": BELL, "dependencies": ["j-0123456789ab"]})
    assert (status, error["type"]) == (404, "JobNotFound")


async def test_a_bad_jobspec(fail: Any) -> None:
    spec = "apiVersion: eigen.os/v1\nkind: QuantumJob\nmetadata: {name: x}\nspec:\n  shots: -3\n"
    status, error = await fail("jobs", method="POST", body={"source": BELL, "jobspec": spec})
    assert (status, error["type"]) == (400, "JobSpecError")
    assert "spec.shots" in [d["field"] for d in error["details"]]


async def test_a_jobspec_with_its_program_inline(api: Any) -> None:
    spec = (
        "apiVersion: eigen.os/v1\nkind: QuantumJob\nmetadata: {name: inline}\nspec:\n"
        "  target: simulator\n  shots: 64\n  program:\n    source: |\n"
        + "".join(f"      {line}\n" for line in BELL.splitlines())
    )
    response = await api("jobs", method="POST", body={"jobspec": spec, "priority": 70})
    job = json.loads(response.body)
    assert (job["name"], job["shots"], job["priority"]) == ("inline", 64, 70)


@pytest.mark.parametrize(("params", "field"), [
    ({"state": "SLEEPING"}, "state"),
    ({"limit": "1001"}, "limit"),
    ({"offset": "-1"}, "offset"),
    ({"limit": "ten"}, "limit"),
])
async def test_bad_list_queries(fail: Any, params: dict[str, str], field: str) -> None:
    status, error = await fail("jobs", params=params)
    assert status == 400 and [d["field"] for d in error["details"]] == [field]


async def test_bad_wait(fail: Any) -> None:
    status, error = await fail("jobs", "j-0123456789ab", params={"wait": "61"})
    assert status == 400 and error["details"][0]["field"] == "wait"


async def test_unknown_endpoints_are_an_envelope(fail: Any) -> None:
    status, error = await fail("nope", "deeper")
    assert (status, error["code"], error["type"]) == (404, "NOT_FOUND", "NotFound")


async def test_method_not_allowed_is_an_envelope_too(fail: Any) -> None:
    status, error = await fail("jobs", method="PUT", body="{}", allow_nonstandard_methods=True)
    assert (status, error["code"]) == (405, "UNIMPLEMENTED")

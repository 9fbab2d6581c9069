"""``compile``: AQO + QASM + diagnostics, without running anything."""

from __future__ import annotations

from typing import Any

import pytest

from eigen_engine.compiler import compile_source
from tests.jupyter.server.client import BELL, BROKEN, load


async def test_compile_returns_aqo_qasm_and_diagnostics(api: Any) -> None:
    response = load(await api("compile", method="POST",
                              body={"source": BELL, "options": {"seed": 3}}))
    local = compile_source(BELL, seed=3)
    assert response["schema_version"] == 1 and response["mode"] == "compile"
    assert response["aqo"] == local.aqo and response["sha256"] == local.sha256
    assert response["qasm"] == local.qasm
    assert (response["kind"], response["entrypoint"], response["num_qubits"]) == ("sampling",
                                                                                 "bell", 2)
    assert response["diagnostics"] == []


async def test_validate_leaves_out_the_program(api: Any) -> None:
    response = load(await api("compile", method="POST", body={"source": BELL, "mode": "validate"}))
    assert "aqo" not in response and "qasm" not in response
    assert response["sha256"] == compile_source(BELL).sha256


async def test_compile_errors_carry_every_diagnostic(fail: Any) -> None:
    status, error = await fail("compile", method="POST", body={"source": BROKEN})
    assert (status, error["type"]) == (400, "CompileError")
    assert [(d["line"], d["col"], d["code"]) for d in error["details"]] == [(5, 5, "E201")]
    assert error["diagnostics"][0]["severity"] == "error"


@pytest.mark.parametrize(("body", "field"), [
    ({"mode": "compile"}, "source"),
    ({"source": BELL, "mode": "run"}, "mode"),
    ({"source": BELL, "options": {"seed": "x"}}, "options.seed"),
    ({"source": BELL, "options": {"limits": {}}}, "options.limits"),
])
async def test_bad_compile_requests(fail: Any, body: dict[str, Any], field: str) -> None:
    status, error = await fail("compile", method="POST", body=body)
    assert status == 400 and [d["field"] for d in error["details"]] == [field]

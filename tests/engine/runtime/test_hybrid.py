"""run_plan end to end: outputs, sampling, sweeps, determinism, cancellation, bad plans."""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eigen_engine import compile_source
from eigen_engine.compiler import CompiledProgram
from eigen_engine.drivers.protocol import QDriver
from eigen_engine.errors import DeviceNotFound, InvalidArgument, JobCancelled
from eigen_engine.runtime import PlanOutcome, RunSettings, run_plan

Program = Callable[..., CompiledProgram]
GOLDEN = Path(__file__).parents[2] / "golden"

VQE = """
a = create_hea_ansatz(2, 1)
obs = Z(0) * Z(1) + 0.5 * X(1) - 0.5 * X(0)
e = ExpectationValue(a, observable=obs)
r = minimize(e, [0.1, 0.2, 0.3, 0.4], method="{method}", max_iter={maxiter})
return {{"fun": r.fun, "x": r.x.tolist(), "shifted": 2 * r.optimal_value + 1, "neg": -r.fun,
        "first": r.x[0], "rounded": round(r.fun, 3), "ok": r.success, "n": r.nit,
        "nfev": r.nfev, "e": e, "history": r.history, "method": r.method}}
"""


def _run(prog: CompiledProgram, driver: QDriver, device_id: str = "aer", **kw: Any
         ) -> PlanOutcome:
    hooks = kw.pop("hooks", None)
    settings = RunSettings(device_id, shots=kw.pop("shots", 1000), seed=kw.pop("seed", 5),
                           **kw)
    return run_plan(prog.aqo, driver, settings, hooks)


def test_the_output_template_is_evaluated(program: Program, aer_driver: QDriver) -> None:
    out = _run(program(VQE.format(method="cobyla", maxiter=200)), aer_driver).outputs
    assert out["fun"] == pytest.approx(-math.sqrt(2), abs=1e-4)  # the ground energy
    assert out["shifted"] == 2 * out["fun"] + 1
    assert out["neg"] == -out["fun"]
    assert out["first"] == out["x"][0]
    assert out["rounded"] == round(out["fun"], 3)
    assert out["e"] == pytest.approx(out["fun"], abs=1e-12)  # e at the optimum
    assert out["nfev"] == out["n"] == len(out["history"])
    assert out["method"] == "cobyla"
    assert isinstance(out["ok"], bool)
    json.dumps(out, allow_nan=False)


@pytest.mark.parametrize("method", ["cobyla", "nelder-mead", "powell", "l-bfgs-b", "spsa"])
def test_every_method_finds_the_minimum(program: Program, aer_driver: QDriver,
                                        method: str) -> None:
    out = _run(program(VQE.format(method=method, maxiter=300)), aer_driver).outputs
    assert out["fun"] == pytest.approx(-math.sqrt(2), abs=2e-2 if method == "spsa" else 1e-4)


def test_l_bfgs_b_needs_one_driver_call_per_evaluation(program: Program, aer_driver: QDriver,
                                                       counting: Callable[..., Any]) -> None:
    driver = counting(aer_driver)
    outcome = _run(program(VQE.format(method="l-bfgs-b", maxiter=100)), driver)
    gradient_calls = [c for c in driver.calls if c[2] == 1 + 2 * 4]  # value + 2 shifts x 4
    assert len(gradient_calls) == outcome.outputs["nfev"]
    assert len(driver.calls) == outcome.outputs["nfev"] + 1  # + e at the optimum


def test_an_evaluation_only_binds_the_circuit_decoded_once(
        program: Program, aer_driver: QDriver, counting: Callable[..., Any]) -> None:
    driver = counting(aer_driver)
    _run(program(VQE.format(method="cobyla", maxiter=40)), driver)
    circuits = {id(c[1]) for c in driver.calls}
    assert len(driver.calls) == 41 and len(circuits) == 1


def test_an_objective_over_two_circuits_with_shared_parameters(
        program: Program, aer_driver: QDriver, counting: Callable[..., Any]) -> None:
    prog = program(
        "@cost_function\n"
        "def cost(params):\n"
        "    return ExpectationValue(one, observable=Z(0)) + 0.5 * ExpectationValue("
        "two, observable=X(0)) - ExpectationValue(one, observable=X(0))\n"
        'r = minimize(cost, [0.3, 0.2], method="l-bfgs-b")\n'
        "return r.fun",
        module="@ansatz\ndef one(t):\n    ry(0, t[0])\n"
               "@ansatz\ndef two(t):\n    ry(0, t[0])\n    rz(0, t[1])\n")
    driver = counting(aer_driver)
    outcome = _run(prog, driver)
    # min over a, b of cos a - sin a + 0.5 sin a cos b = -sqrt(1 + 1.5**2)
    assert outcome.outputs == pytest.approx(-math.sqrt(1 + 1.5**2), abs=1e-7)
    # one call per circuit per evaluation: the two nodes on `one` share a call
    assert len(driver.calls) == 2 * outcome.metadata["nodes"]["m0"]["nfev"]


@pytest.mark.parametrize("device_id", ["aer", "cirq"])
def test_sample_counts_use_qiskit_bit_order(program: Program, device_id: str,
                                            aer_driver: QDriver, cirq_driver: QDriver) -> None:
    prog = program("x(0)\nrz(2, 0.0)\nc = sample(shots=100)\n"
                   'return {"counts": c, "one": c["001"], "none": c["110"]}')
    driver = aer_driver if device_id == "aer" else cirq_driver
    outcome = _run(prog, driver, device_id)
    assert outcome.outputs == {"counts": {"001": 100}, "one": 100, "none": 0}
    assert outcome.counts == {"001": 100}


def test_sample_binds_an_optimum_a_list_or_a_dict(program: Program,
                                                  aer_driver: QDriver) -> None:
    prog = program(
        't = Param("t", 0.0)\nu_ = Param("u", 0.0)\nry(0, t)\nrx(1, u_)\n'
        "r = minimize(ExpectationValue(observable=Z(0) + Z(1)), [0.2, 0.1])\n"
        "best = sample(parameters=r.optimal_parameters, shots=200)\n"
        "listed = sample(parameters=[math_pi, 0.0], shots=200)\n"
        'named = sample(parameters={"u": math_pi}, shots=200)\n'
        'return [best, listed, named]', module="math_pi = 3.141592653589793\n")
    best, listed, named = _run(prog, aer_driver).outputs
    assert best == {"11": 200}
    assert listed == {"01": 200}
    assert named == {"10": 200}


def test_a_sweep_is_one_driver_call(program: Program, aer_driver: QDriver,
                                    counting: Callable[..., Any]) -> None:
    prog = program('t = Param("t", 0.0)\nry(0, t)\n'
                   "w = sweep(None, {t: np.linspace(0, np.pi, 100)}, observable=Z(0))\n"
                   "c = sweep(None, {t: [0.0, np.pi]}, shots=50)\n"
                   "return {\"w\": w, \"c\": c}")
    driver = counting(aer_driver)
    outputs = _run(prog, driver).outputs
    assert [(kind, n) for kind, _, n in driver.calls] == [("expectation_values", 100),
                                                          ("sample_batch", 2)]
    np.testing.assert_allclose(outputs["w"], np.cos(np.linspace(0, np.pi, 100)), atol=1e-12)
    assert outputs["c"] == [{"0": 50}, {"1": 50}]


def test_a_sampled_sweep_is_one_driver_call(program: Program, cirq_driver: QDriver,
                                            counting: Callable[..., Any]) -> None:
    prog = program('t = Param("t", 0.0)\nry(0, t)\ncx(0, 1)\n'
                   "return sweep(None, {t: np.linspace(0, np.pi, 20)}, "
                   "observable=Z(0) * Z(1) + X(0) * X(1), shots=4000)")
    driver = counting(cirq_driver)
    values = _run(prog, driver, "cirq").outputs
    assert [(kind, n) for kind, _, n in driver.calls] == [("sample_batch", 20 * 2)]
    exact = 1 + np.sin(np.linspace(0, np.pi, 20))
    assert np.all(np.abs(np.array(values) - exact) < 5 * 2 / math.sqrt(4000))


SAMPLED = """
a = create_hea_ansatz(2, 1)
obs = Z(0) * Z(1) + 0.5 * X(1)
r = minimize(ExpectationValue(a, observable=obs, shots=500), [0.1] * 4, method="spsa",
             max_iter=15)
c = sample(a, parameters=r.x, shots=300)
w = sweep(a, {{"theta[0]": [0.0, 1.0], "theta[1]": [0.5, 0.5], "theta[2]": [0.1, 0.1],
              "theta[3]": [0.0, 0.3]}}, observable=obs, shots={shots})
return {{"r": r, "c": c, "w": w}}
"""


@pytest.mark.parametrize("device_id", ["aer", "cirq"])
def test_same_plan_and_seed_give_identical_outputs(program: Program, device_id: str,
                                                   aer_driver: QDriver,
                                                   cirq_driver: QDriver) -> None:
    prog = program(SAMPLED.format(shots=200))
    driver = aer_driver if device_id == "aer" else cirq_driver
    first = _run(prog, driver, device_id, seed=42)
    second = _run(prog, driver, device_id, seed=42)
    other = _run(prog, driver, device_id, seed=43)
    assert first.outputs == second.outputs
    assert first.counts == second.counts
    assert first.outputs != other.outputs
    assert first.outputs["r"]["nfev"] == 20 + 30 + 1


def test_noise_reaches_the_optimizer_on_both_drivers(program: Program, aer_driver: QDriver,
                                                     cirq_driver: QDriver) -> None:
    prog = program(VQE.format(method="l-bfgs-b", maxiter=100))
    ideal = _run(prog, aer_driver).outputs["fun"]
    aer = _run(prog, aer_driver, noise_model="depolarizing:0.05").outputs["fun"]
    cirq = _run(prog, cirq_driver, "cirq", noise_model="depolarizing:0.05").outputs["fun"]
    assert aer > ideal + 0.05
    assert aer == pytest.approx(cirq, abs=1e-6)


def test_qaoa_maxcut_ring_samples_a_maximum_cut(aer_driver: QDriver) -> None:
    prog = compile_source((GOLDEN / "qaoa_ring.eigen.py").read_text())
    outcome = _run(prog, aer_driver, shots=2048, seed=11)
    assert outcome.outputs["cut"] == pytest.approx(4.0, abs=1e-3)
    assert outcome.counts is not None
    assert max(outcome.counts, key=outcome.counts.__getitem__) in ("0101", "1010")


def test_upstream_style_program_runs_on_the_main_circuit(aer_driver: QDriver) -> None:
    prog = compile_source((GOLDEN / "upstream_vqe.eigen.py").read_text())
    outcome = _run(prog, aer_driver)
    assert outcome.metadata["nodes"]["m0"]["nfev"] <= 60
    assert len(outcome.outputs["parameters"]) == 2
    assert outcome.outputs["energy"] < 0.61  # below its value at the initial point


# -- progress and cancellation ---------------------------------------------------------------

def test_every_evaluation_is_recorded_in_order(program: Program, aer_driver: QDriver,
                                               hooks: Callable[..., Any]) -> None:
    body = VQE.format(method="cobyla", maxiter=30).replace(
        "return", 'r2 = minimize(e, [0.0] * 4, method="spsa", max_iter=5)\nreturn')
    h = hooks()
    outcome = _run(program(body), aer_driver, hooks=h)
    records = h.records
    assert [r["index"] for r in records] == list(range(len(records)))
    assert outcome.metadata["evaluations"] == len(records) == 30 + 10 * 2 + 5 * 2 + 1
    assert {r["node"] for r in records} == {"m0", "m1"}
    m0 = [r for r in records if r["node"] == "m0"]
    assert [r["iteration"] for r in m0] == list(range(30))  # COBYLA: one per evaluation
    assert [r["value"] for r in m0] == outcome.outputs["history"]
    best = [r["best_value"] for r in m0]
    assert best == list(np.minimum.accumulate([r["value"] for r in m0]))
    times = [r["time"] for r in records]
    assert times == sorted(times)
    assert all(len(r["parameters"]) == 4 for r in records)
    json.dumps(records, allow_nan=False)


@pytest.mark.parametrize("method", ["cobyla", "nelder-mead", "powell", "l-bfgs-b", "spsa"])
@pytest.mark.parametrize("k", [0, 1, 3, 22])
def test_cancel_stops_after_exactly_k_evaluations(program: Program, aer_driver: QDriver,
                                                  hooks: Callable[..., Any], method: str,
                                                  k: int) -> None:
    h = hooks(cancel_after=k)
    with pytest.raises(JobCancelled):
        _run(program(VQE.format(method=method, maxiter=100)), aer_driver, hooks=h)
    assert len(h.records) == k
    assert [r["index"] for r in h.records] == list(range(k))


def test_cancel_before_a_sample_or_sweep(program: Program, aer_driver: QDriver,
                                         hooks: Callable[..., Any],
                                         counting: Callable[..., Any]) -> None:
    driver = counting(aer_driver)
    h = hooks(cancel_after=0)
    with pytest.raises(JobCancelled):
        _run(program("x(0)\nreturn sample(shots=10)"), driver, hooks=h)
    assert driver.calls == []


# -- bad input ---------------------------------------------------------------------------------

def _broken(prog: CompiledProgram, edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(dict(prog.aqo))
    edit(doc)
    return doc


def _nodes(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in doc["annotations"]["hybrid"]["nodes"]}


BREAKAGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "no_plan": lambda d: d["annotations"].pop("hybrid"),
    "unknown_kind": lambda d: _nodes(d)["s0"].update(kind="teleport"),
    "unknown_circuit": lambda d: _nodes(d)["e0"].update(circuit="c99"),
    "bad_observable": lambda d: _nodes(d)["e0"].update(observable={"terms": 3}),
    "wide_observable": lambda d: _nodes(d)["e0"].update(
        observable={"num_qubits": 9, "terms": [["Z", [8], 1.0]]}),
    "bad_shots": lambda d: _nodes(d)["e0"].update(shots=-5),
    "objective_on_sample": lambda d: _nodes(d)["m0"].update(objective={"$node": "s0"}),
    "objective_on_nothing": lambda d: _nodes(d)["m0"].update(objective=1.0),
    "initial_length": lambda d: _nodes(d)["m0"].update(initial=[0.1]),
    "initial_nan": lambda d: _nodes(d)["m0"]["initial"].__setitem__(0, "nan"),
    "unknown_method": lambda d: _nodes(d)["m0"].update(method="adam"),
    "unknown_option": lambda d: _nodes(d)["m0"].update(options={"maxiters": 3}),
    "missing_parameter": lambda d: _nodes(d)["m0"].update(
        parameters=["theta[0]", "theta[1]", "theta[2]"], initial=[0.0] * 3),
    "outputs_unknown_node": lambda d: d["annotations"].update(outputs={"$node": "m7"}),
    "outputs_bad_tag": lambda d: d["annotations"].update(outputs={"$exec": "1"}),
    "outputs_bad_function": lambda d: d["annotations"].update(
        outputs={"$call": ["eval", "1"]}),
    "objective_bad_operator": lambda d: _nodes(d)["m0"].update(
        objective={"$op": ["@", {"$node": "e0"}, 1]}),
    "outputs_divide_by_zero": lambda d: d["annotations"].update(
        outputs={"$op": ["/", {"$attr": ["fun", {"$node": "m0"}]}, 0]}),
    "sample_list_length": lambda d: _nodes(d)["s0"].update(bindings=[0.1]),
    "sample_bad_value": lambda d: _nodes(d)["s0"].update(bindings=[True] * 4),
    "duplicate_ids": lambda d: _nodes(d)["s0"].update(id="m0"),
}


FOUND_WHILE_RUNNING = {"outputs_divide_by_zero", "sample_list_length", "sample_bad_value"}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_bad_plans_are_invalid_arguments(program: Program, aer_driver: QDriver,
                                         counting: Callable[..., Any], breakage: str) -> None:
    prog = program(VQE.format(method="cobyla", maxiter=10).replace(
        "return", "s = sample(a, parameters=r.x, shots=10)\nreturn"))
    doc = _broken(prog, BREAKAGES[breakage])
    driver = counting(aer_driver)
    with pytest.raises(InvalidArgument):
        run_plan(doc, driver, RunSettings("aer", shots=10, seed=1))
    if breakage not in FOUND_WHILE_RUNNING:
        assert driver.calls == []  # refused before any simulation


def test_driver_errors_propagate_unchanged(program: Program, aer_driver: QDriver) -> None:
    prog = program(VQE.format(method="cobyla", maxiter=5))
    with pytest.raises(DeviceNotFound):
        run_plan(prog.aqo, aer_driver, RunSettings("aer:nope", shots=10, seed=1))
    with pytest.raises(InvalidArgument, match="noise"):
        run_plan(prog.aqo, aer_driver, RunSettings("aer", shots=10, seed=1,
                                                   noise_model="gremlins:0.5"))


@pytest.mark.parametrize("kwargs", [
    {"shots": 0}, {"shots": True}, {"seed": -1}, {"seed": 2**63}, {"optimization_level": 4},
    {"device_id": ""},
])
def test_run_settings_are_checked(kwargs: dict[str, Any]) -> None:
    args: dict[str, Any] = {"device_id": "aer", "shots": 10, "seed": 1, **kwargs}
    with pytest.raises(InvalidArgument):
        RunSettings(**args)


def test_importing_the_runtime_imports_no_simulator_and_no_scipy() -> None:
    probe = ("import sys, eigen_engine.runtime\n"
             "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120)
    assert set(out.stdout.split()).isdisjoint({"qiskit", "qiskit_aer", "cirq", "scipy"})


def test_the_public_interface() -> None:
    import eigen_engine.runtime as runtime

    assert sorted(runtime.__all__) == ["PlanOutcome", "RunHooks", "RunSettings", "run_plan"]

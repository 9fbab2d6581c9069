"""The LANGUAGE.md surface compiles and lowers to the AQO it documents.

Gates, registers, control flow (unrolled at compile time), functions and decorators,
parameters, observables, the factories (checked against Qiskit's ``n_local`` and exact
diagonalisation), the hybrid plan, ``np.random``, entrypoint inputs and options, run-time
values used where compile-time values are needed, reserved names, and the appendix program.
"""

from __future__ import annotations

import itertools
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).parents[3]
EXPECT_Z0 = "ExpectationValue(observable=Z(0))"

# -- gates -------------------------------------------------------------------------------------

GATES = [
    # (call, AQO op, qubits, params in the gate's parameter order)
    ("h(1)", "H", (1,), ()),
    ("x(1)", "X", (1,), ()),
    ("y(1)", "Y", (1,), ()),
    ("z(1)", "Z", (1,), ()),
    ("s(1)", "S", (1,), ()),
    ("sdg(1)", "SDG", (1,), ()),
    ("t(1)", "T", (1,), ()),
    ("tdg(1)", "TDG", (1,), ()),
    ("sx(1)", "SX", (1,), ()),
    ("rx(1, 0.5)", "RX", (1,), (0.5,)),
    ("ry(1, 0.5)", "RY", (1,), (0.5,)),
    ("rz(1, -0.5)", "RZ", (1,), (-0.5,)),
    ("p(1, 0.25)", "P", (1,), (0.25,)),
    ("u(1, 0.1, 0.2, 0.3)", "U", (1,), (0.1, 0.2, 0.3)),
    ("cx(0, 1)", "CX", (0, 1), ()),
    ("cnot(1, 0)", "CX", (1, 0), ()),
    ("cy(0, 1)", "CY", (0, 1), ()),
    ("cz(0, 1)", "CZ", (0, 1), ()),
    ("ch(0, 1)", "CH", (0, 1), ()),
    ("swap(0, 1)", "SWAP", (0, 1), ()),
    ("crx(0, 1, 0.5)", "CRX", (0, 1), (0.5,)),
    ("cry(0, 1, 0.5)", "CRY", (0, 1), (0.5,)),
    ("crz(0, 1, 0.5)", "CRZ", (0, 1), (0.5,)),
    ("cp(0, 1, 0.5)", "CP", (0, 1), (0.5,)),
    ("rxx(0, 1, 0.5)", "RXX", (0, 1), (0.5,)),
    ("ryy(0, 1, 0.5)", "RYY", (0, 1), (0.5,)),
    ("rzz(0, 1, 0.5)", "RZZ", (0, 1), (0.5,)),
    ("ccx(0, 1, 2)", "CCX", (0, 1, 2), ()),
    ("cswap(0, 1, 2)", "CSWAP", (0, 1, 2), ()),
    ("reset(1)", "RESET", (1,), ()),
    ("barrier(0, 1)", "BARRIER", (0, 1), ()),
    ("ry(1, theta=0.5)", "RY", (1,), (0.5,)),
    ("crz(0, 1, theta=0.5)", "CRZ", (0, 1), (0.5,)),
    ("u(1, theta=0.1, phi=0.2, lam=0.3)", "U", (1,), (0.1, 0.2, 0.3)),
]


@pytest.mark.parametrize(("call", "op", "qubits", "params"), GATES,
                         ids=[g[0] for g in GATES])
def test_gate_lowers_to_its_aqo_operation(eigen: Any, call: str, op: str,
                                          qubits: tuple[int, ...],
                                          params: tuple[float, ...]) -> None:
    prog = eigen.body(call, first_stmt="pass")
    assert eigen.ops(prog)[0] == (op, qubits, params)


@pytest.mark.parametrize(("call", "qubits", "clbits"), [
    ("measure(1)", [1], [1]),
    ("measure(0, c=1)", [0], [1]),
    ("measure_all()", [0, 1, 2], [0, 1, 2]),
], ids=["measure", "measure_c", "measure_all"])
def test_measurements(eigen: Any, call: str, qubits: list[int], clbits: list[int]) -> None:
    prog = eigen.body(f"ccx(0, 1, 2)\n{call}", first_stmt="pass")
    last = prog.aqo["operations"][-1]
    assert (last["op"], last["q"], last["c"]) == ("MEASURE", qubits, clbits)
    assert len(prog.aqo["operations"]) == 2  # no implicit measure-all after a measurement


def test_a_sampling_program_without_measurement_gets_measure_all(eigen: Any) -> None:
    prog = eigen.body("cx(0, 2)")
    assert prog.kind == "sampling"
    assert prog.aqo["operations"][-1] == {"op": "MEASURE", "q": [0, 1, 2], "c": [0, 1, 2]}


def test_barrier_without_arguments_spans_the_circuit(eigen: Any) -> None:
    prog = eigen.body("cx(0, 2)\nbarrier()", first_stmt="pass")
    assert eigen.ops(prog)[1] == ("BARRIER", (0, 1, 2), ())


def test_symbolic_angles_and_param_defaults(eigen: Any) -> None:
    prog = eigen.body('t = Param("t", 0.1)\nrz(0, 2 * t + 0.5)\nry(1, theta=t)',
                      first_stmt="pass")
    assert eigen.ops(prog)[:2] == [("RZ", (0,), ("2*t + 0.5",)), ("RY", (1,), ("t",))]
    assert prog.aqo["parameters"] == {"t": 0.1}


def test_params_vector(eigen: Any) -> None:
    prog = eigen.body('w = Params("w", 3)\nfor i in range(3):\n    ry(i, w[i])',
                      first_stmt="pass")
    assert [o[2] for o in eigen.ops(prog)[:3]] == [("w[0]",), ("w[1]",), ("w[2]",)]
    assert list(prog.aqo["parameters"]) == ["w[0]", "w[1]", "w[2]"]


# -- registers ---------------------------------------------------------------------------------

def test_registers_are_laid_out_consecutively_and_indexable(eigen: Any) -> None:
    prog = eigen.body(
        "q = QubitRegister(2)\n"
        "r = QubitRegister(3)\n"
        "c = ClassicalRegister(2)\n"
        "d = ClassicalRegister(1)\n"
        "x(r[0])\n"
        "cx(q[1], r[2])\n"
        "measure(q[0], c[1])\n"
        "measure(r[2], d[0])\n"
        "return [q.size, r.size, len(r), c.size]",
        first_stmt="pass")
    assert eigen.ops(prog) == [("X", (2,), ()), ("CX", (1, 4), ()),
                               ("MEASURE", (0,), ()), ("MEASURE", (4,), ())]
    measures = [o["c"] for o in prog.aqo["operations"] if o["op"] == "MEASURE"]
    assert measures == [[1], [2]]
    assert eigen.outputs(prog) == [2, 3, 3, 2]
    assert prog.aqo["qubits"] == 5


def test_single_qubit_gate_on_a_register_broadcasts(eigen: Any) -> None:
    prog = eigen.body("q = QubitRegister(3)\nh(q)\nrz(q, 0.5)", first_stmt="pass")
    assert eigen.ops(prog)[:6] == [("H", (i,), ()) for i in range(3)] + [
        ("RZ", (i,), (0.5,)) for i in range(3)]


def test_measure_whole_registers(eigen: Any) -> None:
    prog = eigen.body("q = QubitRegister(2)\nc = ClassicalRegister(2)\nmeasure(q, c)",
                      first_stmt="pass")
    assert prog.aqo["operations"][-1] == {"op": "MEASURE", "q": [0, 1], "c": [0, 1]}


# -- control flow, expressions, functions ------------------------------------------------------

def test_for_loops_are_unrolled(eigen: Any) -> None:
    prog = eigen.body(
        "for i in range(3):\n    rx(i, 0.5 * i)\n"
        "for qb in [2, 0]:\n    h(qb)\n"
        "for i, a in enumerate([0.5, 0.25]):\n    ry(i, a)\n"
        "for a, b in zip([0, 1], (1, 2)):\n    cx(a, b)\n",
        first_stmt="pass")
    assert eigen.ops(prog)[:9] == [
        ("RX", (0,), (0.0,)), ("RX", (1,), (0.5,)), ("RX", (2,), (1.0,)),
        ("H", (2,), ()), ("H", (0,), ()),
        ("RY", (0,), (0.5,)), ("RY", (1,), (0.25,)),
        ("CX", (0, 1), ()), ("CX", (1, 2), ())]


def test_break_continue_and_for_else(eigen: Any) -> None:
    prog = eigen.body(
        "for i in range(5):\n    if i == 1:\n        continue\n    if i == 3:\n"
        "        break\n    x(i)\nelse:\n    z(0)\n"
        "for i in range(1):\n    pass\nelse:\n    y(0)\n",
        first_stmt="pass")
    assert [o[:2] for o in eigen.ops(prog)[:3]] == [("X", (0,)), ("X", (2,)), ("Y", (0,))]


def test_static_if_elif_else_and_conditional_expression(eigen: Any) -> None:
    prog = eigen.body(
        "n = 3\n"
        "if n > 5:\n    x(0)\nelif n == 3:\n    y(0)\nelse:\n    z(0)\n"
        "s(0) if n % 2 else t(0)\n"
        "angle = 0.5 if n < 2 else 0.25\n"
        "ry(0, angle)",
        first_stmt="pass")
    assert eigen.ops(prog)[:3] == [("Y", (0,), ()), ("S", (0,), ()), ("RY", (0,), (0.25,))]


def test_comprehensions_fstrings_unpacking_and_augmented_assignment(eigen: Any) -> None:
    prog = eigen.body(
        "angles = [0.5 * k for k in range(4) if k != 1]\n"
        'table = {f"q{k}": k * k for k in range(3)}\n'
        "pairs = [(i, j) for i in range(2) for j in range(i + 1, 3)]\n"
        "a, (b, c) = 1, (2, 3)\n"
        "a += 10\n"
        "b *= 2\n"
        "lst = [1]\n"
        "lst += [2]\n"
        'd = {"k": 1}\n'
        'd["k"] += 1\n'
        "lst[0] -= 5\n"
        "label = f\"q{1 + 1}-{0.5:.2f}-{'x'!r}-{[1, 2]}\"\n"
        "return [angles, table, pairs, a, b, c, lst, d, label]")
    assert eigen.outputs(prog) == [
        [0.0, 1.0, 1.5], {"q0": 0, "q1": 1, "q2": 4}, [[0, 1], [0, 2], [1, 2]],
        11, 4, 3, [-4, 2], {"k": 2}, "q2-0.50-'x'-[1, 2]"]


def test_helpers_and_quantum_circuits_are_inlined(eigen: Any) -> None:
    prog = eigen.body(
        "bell(2, 3)\nghz(3)\nrz(0, double(0.25))",
        first_stmt="pass",
        module="def bell(a, b):\n    h(a)\n    cx(a, b)\n"
               "def double(v):\n    return 2 * v\n"
               "@quantum_circuit\ndef ghz(n):\n    h(0)\n    for i in range(n - 1):\n"
               "        cx(i, i + 1)\n")
    assert eigen.ops(prog)[:6] == [("H", (2,), ()), ("CX", (2, 3), ()), ("H", (0,), ()),
                                   ("CX", (0, 1), ()), ("CX", (1, 2), ()), ("RZ", (0,), (0.5,))]
    assert prog.kind == "sampling"
    assert "circuits" not in prog.aqo.get("annotations", {})


def test_ansatz_is_a_separate_circuit_with_symbolic_parameters(eigen: Any) -> None:
    prog = eigen.body(
        "a = layer()\n"
        "e = ExpectationValue(a, observable=Z(0) * Z(1))\n"
        "r = minimize(e, [0.1, 0.2])\n"
        "return [a.num_params, a.n_qubits]",
        module="@ansatz\ndef layer(params, n=2):\n    for i in range(n):\n"
               "        ry(i, params[i])\n    cx(0, 1)\n")
    circuit = prog.aqo["annotations"]["circuits"]["c1"]
    assert eigen.ops(prog, "c1") == [("RY", (0,), ("params[0]",)),
                                     ("RY", (1,), ("params[1]",)), ("CX", (0, 1), ())]
    assert circuit["parameters"] == ["params[0]", "params[1]"]
    assert [o[0] for o in eigen.ops(prog)] == ["H", "MEASURE"]  # nothing leaked into main
    assert eigen.outputs(prog) == [2, 2]


# -- observables -------------------------------------------------------------------------------

@pytest.mark.parametrize(("expr", "labels"), [
    ("Observable(Z=0, X=1)", {"IZ": 1.0, "XI": 1.0}),
    ('Observable({"ZZI": -1.0, "IIX": 0.5})', {"ZZI": -1.0, "IIX": 0.5}),
    ("Z(0) * Z(1) + 0.5 * X(2)", {"IZZ": 1.0, "XII": 0.5}),
    ("2 * (Z(0) + X(1)) - X(1)", {"IZ": 2.0, "XI": 1.0}),
    ("(Z(0) + Z(0)) / 4", {"Z": 0.5}),
    ("X(1) * X(1) + Y(0)", {"II": 1.0, "IY": 1.0}),
    ('Observable("XY")', {"XY": 1.0}),
    ("create_ising_model_hamiltonian(3, J=1.0, h=0.5)",
     {"IZZ": 1.0, "ZZI": 1.0, "IIX": 0.5, "IXI": 0.5, "XII": 0.5}),
    ("create_ising_model_hamiltonian(3, 2.0, 0.0, True)",
     {"IZZ": 2.0, "ZZI": 2.0, "ZIZ": 2.0}),
    ("create_ising_model_hamiltonian(3, [[0, 1, 2], [1, 0, 3], [2, 3, 0]])",
     {"IZZ": 1.0, "ZIZ": 2.0, "ZZI": 3.0}),
    ("create_ising_model_hamiltonian(2, J=-1.0, h=[0.5, 0.25])",
     {"ZZ": -1.0, "IX": 0.5, "XI": 0.25}),
], ids=["keywords", "labels", "algebra", "algebra_linear", "algebra_divide", "algebra_product",
        "label_string", "ising_chain", "ising_periodic", "ising_matrix", "ising_fields"])
def test_observable_forms_and_labels_in_qiskit_order(eigen: Any, expr: str,
                                                     labels: dict[str, float]) -> None:
    prog = eigen.body(f"o = {expr}\nreturn [o.terms, o.n_qubits]")
    terms, width = eigen.outputs(prog)
    assert terms == labels
    assert width == len(next(iter(labels)))


def _dense(labels: dict[str, float]) -> np.ndarray:
    paulis = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]),
              "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1, -1])}
    return sum(c * reduce(np.kron, [paulis[ch] for ch in label]) for label, c in labels.items())


@pytest.mark.parametrize(("edges", "weights"), [
    ([(0, 1), (1, 2), (2, 0), (2, 3)], None),
    ([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)], [1.0, 2.0, 0.5, 3.0, 1.5]),
    ([(0, 1, 2.5), (1, 2, 1.0)], None),
], ids=["triangle_and_tail", "weighted_square", "weights_in_edges"])
def test_maxcut_ground_energy_is_minus_the_maximum_cut(
        eigen: Any, edges: list[tuple[Any, ...]], weights: list[float] | None) -> None:
    prog = eigen.body(f"hc = create_maxcut_hamiltonian({edges}, {weights})\nreturn hc.terms")
    labels = eigen.outputs(prog)
    ground = float(np.linalg.eigvalsh(_dense(labels)).min())
    n = len(next(iter(labels)))
    weighted = [(e[0], e[1], e[2] if len(e) == 3 else (weights[k] if weights else 1.0))
                for k, e in enumerate(edges)]
    best = max(sum(w for i, j, w in weighted if side[i] != side[j])
               for side in itertools.product((0, 1), repeat=n))
    assert ground == pytest.approx(-best)


# -- factories ---------------------------------------------------------------------------------

def _qiskit_n_local(n: int, depth: int, entanglement: str, rotations: str) -> list[Any]:
    library = pytest.importorskip("qiskit.circuit.library")
    circuit = library.n_local(n, rotations.split("_"), "cx", entanglement=entanglement,
                              reps=depth)
    return [(inst.operation.name.upper(), tuple(circuit.find_bit(q).index for q in inst.qubits),
             tuple(str(v).replace("θ", "theta") for v in inst.operation.params))
            for inst in circuit.data]


@pytest.mark.parametrize(("n", "depth", "entanglement", "rotations"), [
    (3, 2, "linear", "ry"),
    (4, 3, "linear", "ry"),
    (4, 1, "full", "ry"),
    (4, 2, "circular", "ry"),
    (3, 1, "linear", "ry_rz"),
    (2, 0, "linear", "ry"),
], ids=lambda v: str(v))
def test_hea_ansatz_matches_qiskit_n_local(eigen: Any, n: int, depth: int,
                                           entanglement: str, rotations: str) -> None:
    prog = eigen.body(
        f'a = create_hea_ansatz({n}, {depth}, entanglement="{entanglement}", '
        f'rotations="{rotations}")\n'
        "r = minimize(ExpectationValue(a, observable=Z(0)), [0.0] * a.num_params)\n"
        "return [a.num_params, a.n_qubits, len(a.parameters)]")
    assert eigen.ops(prog, "c1") == _qiskit_n_local(n, depth, entanglement, rotations)
    blocks = len(rotations.split("_"))
    assert eigen.outputs(prog) == [n * blocks * (depth + 1), n, n * blocks * (depth + 1)]
    params = prog.aqo["annotations"]["circuits"]["c1"]["parameters"]
    assert params == [f"theta[{k}]" for k in range(n * blocks * (depth + 1))]


def test_hea_ansatz_keywords_as_in_the_appendix(eigen: Any) -> None:
    prog = eigen.body(
        'a = create_hea_ansatz(n_qubits=5, depth=3, entanglement="linear", rotations="ry")\n'
        "return a.num_params")
    assert eigen.outputs(prog) == 20


def test_qaoa_ansatz(eigen: Any) -> None:
    prog = eigen.body(
        "hc = create_maxcut_hamiltonian([(0, 1), (1, 2)])\n"
        "a = create_qaoa_ansatz(hc, reps=2)\n"
        "r = minimize(ExpectationValue(a, observable=hc), [0.1, 0.2, 0.3, 0.4])\n"
        "return a.num_params")
    assert eigen.ops(prog, "c1") == [
        ("H", (0,), ()), ("H", (1,), ()), ("H", (2,), ()),
        ("RZZ", (0, 1), ("gamma[0]",)), ("RZZ", (1, 2), ("gamma[0]",)),
        ("RX", (0,), ("2*beta[0]",)), ("RX", (1,), ("2*beta[0]",)), ("RX", (2,), ("2*beta[0]",)),
        ("RZZ", (0, 1), ("gamma[1]",)), ("RZZ", (1, 2), ("gamma[1]",)),
        ("RX", (0,), ("2*beta[1]",)), ("RX", (1,), ("2*beta[1]",)), ("RX", (2,), ("2*beta[1]",))]
    assert eigen.outputs(prog) == 4


# -- the hybrid plan ---------------------------------------------------------------------------

def _nodes(prog: Any) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in prog.aqo["annotations"]["hybrid"]["nodes"]}


def test_expectation_minimize_sample_sweep_plan_nodes_and_outputs(eigen: Any) -> None:
    prog = eigen.body(
        "a = layer()\n"
        "obs = Z(0) * Z(1) + 0.5 * X(1)\n"
        "e = ExpectationValue(a, observable=obs, shots=200)\n"
        'r = minimize(e, [0.1, -0.2], method="cobyla", max_iter=50, tolerance=1e-4)\n'
        "counts = sample(a, parameters=r.optimal_parameters, shots=64)\n"
        'w = sweep(a, {"params[0]": [0.0, 1.0], "params[1]": [0.5, 0.25]}, observable=obs)\n'
        "return {\"best\": r.fun, \"x\": r.x.tolist(), \"counts\": counts, \"sweep\": w,\n"
        "        \"shifted\": 2 * r.optimal_value + 1, \"neg\": -r.fun, \"first\": r.x[0],\n"
        "        \"rounded\": round(r.fun, 3), \"ok\": r.success, \"n\": r.nit}",
        module="@ansatz\ndef layer(params):\n    ry(0, params[0])\n    ry(1, params[1])\n"
               "    cx(0, 1)\n")
    assert prog.kind == "hybrid"
    nodes = _nodes(prog)
    assert list(nodes) == ["e0", "m0", "s0", "w0"]
    observable = {"num_qubits": 2, "terms": [["X", [1], 0.5], ["ZZ", [0, 1], 1.0]]}
    assert nodes["e0"] == {"id": "e0", "kind": "expectation", "circuit": "c1",
                           "observable": observable, "shots": 200}
    assert nodes["m0"] == {"id": "m0", "kind": "minimize", "objective": {"$node": "e0"},
                           "parameters": ["params[0]", "params[1]"], "initial": [0.1, -0.2],
                           "method": "cobyla", "options": {"maxiter": 50, "tol": 1e-4}}
    assert nodes["s0"] == {"id": "s0", "kind": "sample", "circuit": "c1", "shots": 64,
                           "bindings": {"$attr": ["optimal_parameters", {"$node": "m0"}]}}
    assert nodes["w0"] == {"id": "w0", "kind": "sweep", "circuit": "c1",
                           "parameters": ["params[0]", "params[1]"],
                           "values": [[0.0, 0.5], [1.0, 0.25]], "observable": observable,
                           "shots": None}
    fun = {"$attr": ["fun", {"$node": "m0"}]}
    assert eigen.outputs(prog) == {
        "best": fun,
        "x": {"$call": ["tolist", {"$attr": ["x", {"$node": "m0"}]}]},
        "counts": {"$node": "s0"},
        "sweep": {"$node": "w0"},
        "shifted": {"$op": ["+", {"$op": ["*", 2, {"$attr": ["optimal_value", {"$node": "m0"}]}]},
                            1]},
        "neg": {"$neg": fun},
        "first": {"$index": [{"$attr": ["x", {"$node": "m0"}]}, 0]},
        "rounded": {"$call": ["round", fun, 3]},
        "ok": {"$attr": ["success", {"$node": "m0"}]},
        "n": {"$attr": ["nit", {"$node": "m0"}]},
    }
    markers = prog.aqo["annotations"]
    assert markers["expectation"] == {"kind": "ExpectationValue"}
    assert markers["hybrid_plan_marker"]["kind"] == "minimize"


def test_upstream_style_program(eigen: Any) -> None:
    prog = eigen.body(
        'theta = Param("theta", 0.1)\n'
        'phi = Param("phi", -0.2)\n'
        "ry(0, theta=theta)\n"
        "ry(1, theta=phi)\n"
        "cnot(0, 1)\n"
        "obs = Observable(Z=0, X=1)\n"
        'energy = ExpectationValue("energy", observable=obs)\n'
        'optimum = minimize(energy, [0.1, -0.2], method="COBYLA", max_iters=60)\n'
        'return {"energy": optimum.fun, "params": optimum.x}',
        first_stmt="pass")
    nodes = _nodes(prog)
    assert nodes["e0"]["circuit"] == "main"
    assert nodes["m0"]["parameters"] == ["theta", "phi"]
    assert (nodes["m0"]["method"], nodes["m0"]["options"]) == ("cobyla", {"maxiter": 60})


def test_cost_function_objective(eigen: Any) -> None:
    prog = eigen.body(
        "a = create_hea_ansatz(2, 1)\n"
        "@cost_function\n"
        "def cost(params):\n"
        "    return ExpectationValue(a, observable=Z(0)) + 0.5 * ExpectationValue("
        "a, observable=X(1))\n"
        "r = minimize(objective=cost, initial_guess=[0.0] * 4)\n"
        "return r.fun")
    nodes = _nodes(prog)
    assert nodes["m0"]["objective"] == {
        "$op": ["+", {"$node": "e0"}, {"$op": ["*", 0.5, {"$node": "e1"}]}]}
    assert nodes["m0"]["parameters"] == [f"theta[{k}]" for k in range(4)]


@pytest.mark.parametrize(("call", "method", "options"), [
    ("minimize(e)", "cobyla", {}),
    ("minimize(e, [0.1])", "cobyla", {}),
    ('minimize(e, [0.1], method="COBYLA", max_iters=60)', "cobyla", {"maxiter": 60}),
    ('minimize(e, [0.1], "Nelder-Mead", 20)', "nelder-mead", {"maxiter": 20}),
    ('minimize(e, [0.1], method="nelder_mead")', "nelder-mead", {}),
    ('minimize(e, [0.1], "powell", 30, 1e-4)', "powell", {"maxiter": 30, "tol": 1e-4}),
    ('minimize(e, x0=[0.1], method="L-BFGS-B", maxiter=5, tol=1e-6)', "l-bfgs-b",
     {"maxiter": 5, "tol": 1e-6}),
    ('minimize(objective=e, initial_guess=[0.1], method="lbfgs")', "l-bfgs-b", {}),
    ('minimize(e, [0.1], method="SPSA", max_iter=10)', "spsa", {"maxiter": 10}),
], ids=["defaults", "positional_x0", "upstream", "positional_all", "underscore_alias",
        "positional_tolerance", "scipy_keywords", "keywords", "spsa"])
def test_minimize_methods_aliases_and_upstream_spellings(
        eigen: Any, call: str, method: str, options: dict[str, Any]) -> None:
    prog = eigen.body(f't = Param("t", 0.3)\nry(0, t)\ne = {EXPECT_Z0}\nr = {call}\n'
                      "return r.fun", first_stmt="pass")
    node = _nodes(prog)["m0"]
    assert (node["method"], node["options"]) == (method, options)
    assert node["initial"] == ([0.3] if call == "minimize(e)" else [0.1])


def test_minimize_rejects_an_unknown_method(eigen: Any) -> None:
    exc = eigen.fail_body(f't = Param("t", 0.3)\nry(0, t)\ne = {EXPECT_Z0}\n'
                          'r = minimize(e, [0.1], method="adam")')
    assert eigen.codes(exc) == {"E406"}


def test_sample_with_numbers_and_sweep_over_a_param(eigen: Any) -> None:
    prog = eigen.body(
        't = Param("t", 0.1)\n'
        "ry(0, t)\n"
        "c1 = sample(parameters=[0.5], shots=10)\n"
        "w = sweep(None, {t: np.linspace(0, 1, 3)})\n"
        "return [c1, w]", first_stmt="pass")
    nodes = _nodes(prog)
    assert nodes["s0"]["bindings"] == [0.5]
    assert nodes["w0"]["parameters"] == ["t"]
    assert nodes["w0"]["values"] == [[0.0], [0.5], [1.0]]


# -- np.random ---------------------------------------------------------------------------------

def test_np_random_randn_is_default_rng_standard_normal_and_draws_continue(eigen: Any) -> None:
    prog = eigen.body(
        "a = np.random.randn(4)\nb = np.random.randn(2, 3)\nc = np.random.randn()\n"
        "return [a.tolist(), b.tolist(), c]", seed=123)
    rng = np.random.default_rng(123)
    expected = [rng.standard_normal(4).tolist(), rng.standard_normal((2, 3)).tolist(),
                float(rng.standard_normal())]
    assert eigen.outputs(prog) == expected
    assert prog.seed == 123


def test_seed_comes_from_the_option_else_the_program_else_the_source_hash(eigen: Any) -> None:
    body = "return np.random.randn(2).tolist()"
    from_program = eigen.body(body, decorator="@hybrid_program(seed=7)")
    assert from_program.seed == 7
    assert eigen.outputs(from_program) == np.random.default_rng(7).standard_normal(2).tolist()
    assert eigen.body(body, decorator="@hybrid_program(seed=7)", seed=9).seed == 9
    derived = eigen.body(body)
    assert derived.seed == int(derived.source_sha256[:8], 16)
    assert eigen.outputs(derived) == np.random.default_rng(
        derived.seed).standard_normal(2).tolist()


# -- entrypoint inputs and options -------------------------------------------------------------

PARAMS = 'n: int = 2, angle: float = 0.5, label: str = "x", cfg: dict = {"k": [1]}'


def test_entrypoint_inputs_defaults_and_overrides(eigen: Any) -> None:
    body = "for i in range(n):\n    ry(i, angle)\nreturn [label, cfg]"
    prog = eigen.body(body, params=PARAMS, first_stmt="pass")
    assert prog.inputs == {"n": 2, "angle": 0.5, "label": "x", "cfg": {"k": [1]}}
    assert [o[0] for o in eigen.ops(prog)] == ["RY", "RY", "MEASURE"]
    over = eigen.body(body, params=PARAMS, first_stmt="pass",
                      inputs={"n": 3, "label": "y", "cfg": {"k": [2, 3]}})
    assert over.inputs == {"n": 3, "angle": 0.5, "label": "y", "cfg": {"k": [2, 3]}}
    assert [o[0] for o in eigen.ops(over)] == ["RY", "RY", "RY", "MEASURE"]
    assert eigen.outputs(over) == ["y", {"k": [2, 3]}]
    assert over.sha256 != prog.sha256
    again = eigen.body(body, params=PARAMS, first_stmt="pass", inputs=dict(over.inputs))
    assert again.aqo_json == over.aqo_json  # recorded inputs replay the same program


def test_unknown_input_is_e410(eigen: Any) -> None:
    exc = eigen.fail(eigen.wrap("pass", params=PARAMS).source, inputs={"m": 1})
    assert eigen.codes(exc) == {"E410"}


@pytest.mark.parametrize("params", ["angle", "n: int = 2, *, depth"],
                         ids=["positional", "keyword_only"])
def test_input_without_default_is_e113(eigen: Any, params: str) -> None:
    exc = eigen.fail_body("pass", params=params)
    assert eigen.codes(exc) == {"E113"}
    given = {"depth": 2} if "depth" in params else {"angle": 0.1}
    assert eigen.compile(eigen.wrap("pass", params=params).source,
                         inputs=given).inputs.items() >= given.items()


def test_entrypoint_name_must_match_the_job(eigen: Any) -> None:
    assert eigen.compile(eigen.wrap("pass").source, entrypoint="main").entrypoint == "main"
    exc = eigen.fail(eigen.wrap("pass").source, entrypoint="solve")
    assert eigen.codes(exc) == {"E114"}


def test_decorator_options_are_recorded_as_program_defaults(eigen: Any) -> None:
    decorator = ('@hybrid_program(compiler="eigen", target="simulator", shots=4096, '
                 'optimization_level=3, seed=11, noise_model="depolarizing", '
                 'metadata={"team": "ops", "tags": ["a"]}, colour="blue")')
    prog = eigen.body("pass", decorator=decorator)
    assert prog.defaults == {"compiler": "eigen", "target": "simulator", "shots": 4096,
                             "optimization_level": 3, "seed": 11, "noise_model": "depolarizing",
                             "metadata": {"team": "ops", "tags": ["a"]}}
    assert prog.aqo["metadata"]["program_defaults"] == prog.defaults
    assert eigen.warnings(prog) == ["W304"]  # the unknown `colour` option


@pytest.mark.parametrize("decorator", [
    '@hybrid_program(shots="many")', "@hybrid_program(seed=-1)", "@hybrid_program(target=3)",
], ids=["shots", "seed", "target"])
def test_bad_decorator_option_values(eigen: Any, decorator: str) -> None:
    exc = eigen.fail(eigen.wrap("pass", decorator=decorator).source)
    assert eigen.codes(exc) == {"E406"}


# -- run-time values where compile-time values are needed --------------------------------------

RUNTIME_MISUSE = [
    ("if_on_expectation", f"e = {EXPECT_Z0}\nif e > 0:\n    x(0)", "E216"),
    ("bool_of_expectation", f"e = {EXPECT_Z0}\nv = not e", "E216"),
    ("loop_over_result", f"r = minimize({EXPECT_Z0})\nfor v in r.x:\n    x(0)", "E216"),
    ("gate_angle_from_result", f"r = minimize({EXPECT_Z0})\nry(0, r.fun)", "E405"),
    ("range_of_result", f"r = minimize({EXPECT_Z0})\nv = range(r.nit)", "E405"),
    ("index_with_result", f"r = minimize({EXPECT_Z0})\nv = [1, 2][r.nit]", "E405"),
    ("qubit_from_result", f"r = minimize({EXPECT_Z0})\nh(r.nit)", "E405"),
    ("format_result", f"r = minimize({EXPECT_Z0})\nv = f\"{{r.fun}}\"", "E405"),
    ("unknown_result_field", f"r = minimize({EXPECT_Z0})\nv = r.energy", "E303"),
]


@pytest.mark.parametrize(("snippet", "code"), [c[1:] for c in RUNTIME_MISUSE],
                         ids=[c[0] for c in RUNTIME_MISUSE])
def test_run_time_values_misused(eigen: Any, snippet: str, code: str) -> None:
    exc = eigen.fail_body('t = Param("t", 0.1)\nry(0, t)\n' + snippet)
    assert eigen.codes(exc) == {code}


# -- reserved names and the appendix -----------------------------------------------------------

@pytest.mark.parametrize("snippet", [
    "from eigen_lang import QuantumModel",
    "from eigen_lang import SupervisedTask",
    "from eigen_lang import load_dataset",
], ids=["QuantumModel", "SupervisedTask", "load_dataset"])
def test_reserved_names_are_not_yet_supported(eigen: Any, snippet: str) -> None:
    exc = eigen.fail_body(snippet, where="module")
    assert eigen.codes(exc) == {"E305"}
    assert "not yet supported" in eigen.first_error(exc).message


@pytest.mark.parametrize("call", ["QuantumModel()", 'load_dataset("iris")'],
                         ids=["QuantumModel", "load_dataset"])
def test_reserved_names_used_without_import(eigen: Any, call: str) -> None:
    exc = eigen.fail_body(f"m = {call}")
    assert eigen.codes(exc) == {"E305"}


def test_appendix_program_compiles_with_exactly_its_quirk_warnings(eigen: Any) -> None:
    source = (ROOT / "examples" / "logistics" / "program.eigen.py").read_text()
    prog = eigen.compile(source, seed=1)
    by_code = {d.code: d for d in prog.diagnostics}
    assert sorted(by_code) == ["W100", "W301", "W302", "W303"]
    assert len(prog.diagnostics) == 4
    assert "cost_function" in by_code["W302"].message
    assert "Optional" in by_code["W303"].message
    assert "Eigen_lang" in by_code["W301"].message
    nodes = _nodes(prog)
    assert nodes["m0"]["initial"] == pytest.approx(
        (np.random.default_rng(1).standard_normal(20) * 0.1).tolist())
    assert nodes["m0"]["options"] == {"maxiter": 150, "tol": 1e-5}
    assert prog.defaults == {"compiler": "eigen", "target": "simulator", "shots": 4096,
                             "optimization_level": 3}

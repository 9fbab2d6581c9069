"""``CirqDriver``: Cirq state-vector and density-matrix devices (complex128 throughout).

Angles become gate exponents (``theta / pi``) so every symbolic angle is one sympy symbol
resolved by lookup; the circuit is built once per structure and noise and cached. Readout
noise is applied to the sampled bits (a classical flip, exactly like Aer's readout error);
depolarizing and thermal channels follow every gate as written.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import cirq
import numpy as np
import sympy  # type: ignore[import-untyped]

from eigen_engine.drivers.devices import DeviceInfo, Method
from eigen_engine.drivers.noise import NoiseSpec
from eigen_engine.drivers.pauli import PauliTable
from eigen_engine.drivers.results import Counts, counts_from_integers
from eigen_engine.drivers.simulator import (
    BoundedCache,
    SampleJob,
    SampleOutcome,
    SimulatorDriver,
    circuit_key,
    sampling_method,
)
from eigen_engine.drivers.slots import SlotMap, SlotTable
from eigen_engine.ir.aqo import Circuit, Operation
from eigen_engine.ir.gates import MEASURE
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr, ParamValue

__all__ = ["CirqDriver"]

_FIXED: Mapping[str, cirq.Gate] = {
    "I": cirq.I,
    "H": cirq.H,
    "X": cirq.X,
    "Y": cirq.Y,
    "Z": cirq.Z,
    "S": cirq.S,
    "SDG": cirq.ZPowGate(exponent=-0.5),
    "T": cirq.T,
    "TDG": cirq.ZPowGate(exponent=-0.25),
    "SX": cirq.XPowGate(exponent=0.5),
    "CX": cirq.CNOT,
    "CY": cirq.ControlledGate(cirq.Y),
    "CZ": cirq.CZ,
    "CH": cirq.ControlledGate(cirq.H),
    "SWAP": cirq.SWAP,
    "CCX": cirq.CCX,
    "CCZ": cirq.CCZ,
    "CSWAP": cirq.CSWAP,
}
# opcode -> (gate class, global shift, controlled): gate(exponent=theta/pi, global_shift).
# A shift of -1/2 turns XPowGate into exp(-i theta X / 2), Qiskit's RX; P and CP have none.
_ROTATIONS: Mapping[str, tuple[type[cirq.EigenGate], float, bool]] = {
    "RX": (cirq.XPowGate, -0.5, False),
    "RY": (cirq.YPowGate, -0.5, False),
    "RZ": (cirq.ZPowGate, -0.5, False),
    "P": (cirq.ZPowGate, 0.0, False),
    "CRX": (cirq.XPowGate, -0.5, True),
    "CRY": (cirq.YPowGate, -0.5, True),
    "CRZ": (cirq.ZPowGate, -0.5, True),
    "CP": (cirq.CZPowGate, 0.0, False),
    "RXX": (cirq.XXPowGate, -0.5, False),
    "RYY": (cirq.YYPowGate, -0.5, False),
    "RZZ": (cirq.ZZPowGate, -0.5, False),
}


@dataclass(frozen=True, slots=True, eq=False)
class _Program:
    """A Cirq circuit ready to resolve and simulate."""

    circuit: cirq.Circuit
    symbols: tuple[str, ...]
    slots: SlotMap
    measurements: tuple[tuple[str, tuple[int, ...]], ...]  # key -> classical bits, in order
    qubit_order: tuple[cirq.Qid, ...]  # reversed, so basis bit q is qubit q

    def resolvers(self, values: np.ndarray) -> list[cirq.ParamResolver]:
        if not self.symbols:
            return [cirq.ParamResolver({}) for _ in range(values.shape[0])]
        slot_values = self.slots.apply(values)
        return [
            cirq.ParamResolver(dict(zip(self.symbols, row.tolist(), strict=True)))
            for row in slot_values
        ]


class _Builder:
    """AQO circuit -> ``cirq.Circuit`` with one symbol per distinct exponent."""

    def __init__(self, circuit: Circuit, noise: NoiseSpec, dephase: bool) -> None:
        self.circuit = circuit
        self.noise = noise
        self.dephase = dephase
        self.qubits = cirq.LineQubit.range(circuit.num_qubits)
        self.table = SlotTable(circuit.parameters)
        self.symbols: list[str] = []
        self.ops: list[cirq.Operation] = []
        self.measurements: list[tuple[str, tuple[int, ...]]] = []

    def exponent(self, angle: ParamValue) -> float | sympy.Symbol:
        if not isinstance(angle, ParamExpr):
            return float(angle) / math.pi
        index = self.table.slot(angle.scale(1 / math.pi))
        if index == len(self.symbols):
            self.symbols.append(f"s{index}")
        return sympy.Symbol(self.symbols[index])

    def build(self) -> _Program:
        for op in self.circuit.operations:
            self.add(op)
        return _Program(
            cirq.Circuit(self.ops),
            tuple(self.symbols),
            self.table.freeze(),
            tuple(self.measurements),
            tuple(reversed(self.qubits)),
        )

    def add(self, op: Operation) -> None:
        qs = [self.qubits[i] for i in op.qubits]
        if op.op == MEASURE:
            if self.dephase:
                self.ops += [cirq.phase_damp(1.0).on(q) for q in qs]
            elif qs:
                key = f"m{len(self.measurements)}"
                self.ops.append(cirq.measure(*qs, key=key))
                self.measurements.append((key, op.clbits))
            return
        if op.op == "RESET":
            self.ops += [cirq.ResetChannel().on(q) for q in qs]
            return
        if op.op == "BARRIER":
            return
        if op.op == "U":
            theta, phi, lam = (self.exponent(v) for v in op.params)
            (q,) = qs
            self.ops += [
                cirq.ZPowGate(exponent=lam).on(q),
                cirq.YPowGate(exponent=theta, global_shift=-0.5).on(q),
                cirq.ZPowGate(exponent=phi).on(q),
            ]
        elif op.op in _ROTATIONS:
            cls, shift, controlled = _ROTATIONS[op.op]
            gate: cirq.Gate = cls(exponent=self.exponent(op.params[0]), global_shift=shift)
            if controlled:
                gate = cirq.ControlledGate(gate)
            self.ops.append(gate.on(*qs))
        else:
            self.ops.append(_FIXED[op.op].on(*qs))
        self.add_noise(qs)

    def add_noise(self, qs: Sequence[cirq.Qid]) -> None:
        if self.noise.depolarizing:
            k = len(qs)
            p = self.noise.depolarizing * (1 - 4.0**-k)  # Cirq's p for Qiskit's lambda
            self.ops.append(cirq.depolarize(p, n_qubits=k).on(*qs))
        if self.noise.has_thermal and self.noise.thermal is not None:
            t = self.noise.thermal
            for q in qs:
                self.ops.append(cirq.amplitude_damp(t.excited_decay).on(q))
                self.ops.append(cirq.phase_damp(t.pure_dephasing).on(q))


def _seed_state(seed: int) -> np.random.RandomState:
    return np.random.RandomState([seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF])


def _simulator(method: str, seed: int | None = None) -> cirq.SimulatorBase[Any, Any, Any]:
    random_state = None if seed is None else _seed_state(seed)
    if method == Method.DENSITY_MATRIX:
        return cirq.DensityMatrixSimulator(dtype=np.complex128, seed=random_state)
    return cirq.Simulator(dtype=np.complex128, seed=random_state)


def _counts(
    program: _Program, result: cirq.Result, circuit: Circuit, readout: float | None, seed: int
) -> Counts:
    """Merge measurement records into classical bits (the last write to a bit wins), flip
    measured bits with the readout probability, count."""
    shots = result.repetitions
    nc = circuit.num_clbits
    bits = np.zeros((shots, nc), dtype=np.uint8)
    measured = np.zeros(nc, dtype=bool)
    for key, clbits in program.measurements:
        bits[:, list(clbits)] = result.measurements[key]
        measured[list(clbits)] = True
    if readout:
        flips = np.random.default_rng(seed).random((shots, nc)) < readout
        bits ^= (flips & measured).astype(np.uint8)
    if nc <= 62:
        weights = np.left_shift(np.int64(1), np.arange(nc, dtype=np.int64))
        values, counts = np.unique(bits.astype(np.int64) @ weights, return_counts=True)
        return counts_from_integers(dict(zip(values.tolist(), counts.tolist(), strict=True)), nc)
    rows, counts = np.unique(bits[:, ::-1], axis=0, return_counts=True)
    return {"".join(map(str, row.tolist())): int(c) for row, c in zip(rows, counts, strict=True)}


class CirqDriver(SimulatorDriver):
    """Cirq devices: ``cirq`` (state vector) and ``cirq:density_matrix``.

    ``optimization_level`` is accepted and has no effect: Cirq runs the gates as written.
    """

    name = "cirq"
    DEVICES: ClassVar[Mapping[str, tuple[Method, str]]] = {
        "cirq": (Method.STATEVECTOR, "Cirq state-vector simulator (complex128)"),
        "cirq:density_matrix": (Method.DENSITY_MATRIX, "Cirq density-matrix simulator"),
    }

    def _configure(self, config: Mapping[str, Any], cache_size: int) -> None:
        self._programs: BoundedCache[Hashable, _Program] = BoundedCache(cache_size)
        self._tables: BoundedCache[Hashable, PauliTable] = BoundedCache(cache_size)

    def _program(self, circuit: Circuit, noise: NoiseSpec, dephase: bool) -> tuple[_Program, bool]:
        noise_key = (noise.depolarizing, noise.thermal) if noise.has_quantum_channels else None
        key = (dephase, noise_key, circuit_key(circuit))
        program = self._programs.get(key)
        if program is not None:
            return program, True
        program = _Builder(circuit, noise, dephase).build()
        self._programs.put(key, program)
        return program, False

    def _sample(
        self,
        device: DeviceInfo,
        jobs: Sequence[SampleJob],
        shots: int,
        seeds: Sequence[int],
        noise: NoiseSpec,
        optimization_level: int,
    ) -> list[SampleOutcome]:
        outcomes = []
        for job, seed in zip(jobs, seeds, strict=True):
            method = sampling_method(device.method, noise, job.circuit.num_qubits)
            program, hit = self._program(job.circuit, noise, dephase=False)
            values = np.asarray(job.values, dtype=np.float64)[None, :]
            result = _simulator(method, seed).run(
                program.circuit, program.resolvers(values)[0], repetitions=shots
            )
            counts = _counts(program, result, job.circuit, noise.readout, seed)
            outcomes.append(SampleOutcome(counts, method, hit))
        return outcomes

    def _table(self, observable: PauliSum, num_qubits: int) -> PauliTable:
        key = (observable, num_qubits)
        table = self._tables.get(key)
        if table is None:
            table = PauliTable(observable, num_qubits)
            self._tables.put(key, table)
        return table

    def _expectations(
        self,
        device: DeviceInfo,
        circuit: Circuit,
        observables: tuple[PauliSum, ...],
        values: np.ndarray,
        noise: NoiseSpec,
        method: str,
    ) -> np.ndarray:
        program, _ = self._program(circuit, noise, dephase=True)
        tables = [self._table(o, circuit.num_qubits) for o in observables]
        rows = values[:1] if not program.symbols else values
        out = np.empty((rows.shape[0], len(tables)))
        sim = _simulator(method)
        results = sim.simulate_sweep_iter(
            program.circuit, program.resolvers(rows), qubit_order=list(program.qubit_order)
        )
        for i, result in enumerate(results):
            if method == Method.DENSITY_MATRIX:
                rho = result.final_density_matrix
                out[i] = [t.expectation_density_matrix(rho) for t in tables]
            else:
                psi = result.final_state_vector
                out[i] = [t.expectation_statevector(psi) for t in tables]
        if out.shape[0] != values.shape[0]:
            out = np.repeat(out, values.shape[0], axis=0)
        return out

"""``AerDriver``: Qiskit Aer state-vector, density-matrix and MPS devices.

A circuit is built once per (method, noise, optimization level, structure) — gate table ->
``qiskit.circuit.library`` gates, one ``Parameter`` per distinct symbolic angle (see
:mod:`eigen_engine.drivers.slots`) — transpiled with a cached preset pass manager, kept in
an LRU cache, and afterwards only bound. Every simulator call is one ``run()`` of all its
circuits with ``parameter_binds``, single-threaded (processes give parallelism, DESIGN §7).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Instruction, Parameter, ParameterExpression
from qiskit.circuit import library as lib
from qiskit.quantum_info import Kraus, SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_aer import AerSimulator
from qiskit_aer.library import SaveExpectationValue
from qiskit_aer.noise import (
    NoiseModel,
    ReadoutError,
    depolarizing_error,
    thermal_relaxation_error,
)

from eigen_engine.drivers.devices import DeviceInfo, Method
from eigen_engine.drivers.noise import NoiseSpec
from eigen_engine.drivers.results import counts_from_integers
from eigen_engine.drivers.simulator import (
    BoundedCache,
    SampleJob,
    SampleOutcome,
    SimulatorDriver,
    circuit_key,
    sampling_method,
)
from eigen_engine.drivers.slots import SlotMap, SlotTable
from eigen_engine.errors import DriverError, InvalidArgument
from eigen_engine.ir.aqo import Circuit, Operation
from eigen_engine.ir.gates import MEASURE
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr, ParamValue

__all__ = ["AerDriver"]

_GATES: Mapping[str, Callable[..., Instruction]] = {
    "I": lib.IGate,
    "H": lib.HGate,
    "X": lib.XGate,
    "Y": lib.YGate,
    "Z": lib.ZGate,
    "S": lib.SGate,
    "SDG": lib.SdgGate,
    "T": lib.TGate,
    "TDG": lib.TdgGate,
    "SX": lib.SXGate,
    "RX": lib.RXGate,
    "RY": lib.RYGate,
    "RZ": lib.RZGate,
    "P": lib.PhaseGate,
    "U": lib.UGate,
    "CX": lib.CXGate,
    "CY": lib.CYGate,
    "CZ": lib.CZGate,
    "CH": lib.CHGate,
    "SWAP": lib.SwapGate,
    "CRX": lib.CRXGate,
    "CRY": lib.CRYGate,
    "CRZ": lib.CRZGate,
    "CP": lib.CPhaseGate,
    "RXX": lib.RXXGate,
    "RYY": lib.RYYGate,
    "RZZ": lib.RZZGate,
    "CCX": lib.CCXGate,
    "CCZ": lib.CCZGate,
    "CSWAP": lib.CSwapGate,
}

# Aer's parameter_binds skip every instruction whose is_parameterized() is False, and
# Qiskit's controlled rotations (CRX, CRY, CRZ, CP, MCPhase) answer False because their
# angle lives on the base gate: the rotation silently runs at its unbound value (qiskit-aer
# #2323, #2391, #2403, open for 0.16-0.18). So symbolic CRX/CRY/CRZ/CP are decomposed into
# plain rotations, and a transpiled circuit still holding such an instruction is bound by
# copying (see _binds_silently_skipped).
_DECOMPOSED = frozenset({"CRX", "CRY", "CRZ", "CP"})
_METHODS = {
    Method.STATEVECTOR: "statevector",
    Method.DENSITY_MATRIX: "density_matrix",
    Method.MATRIX_PRODUCT_STATE: "matrix_product_state",
}
_DEPHASE = Kraus([np.diag([1.0, 0.0]), np.diag([0.0, 1.0])]).to_instruction()


@dataclass(frozen=True, slots=True, eq=False)
class _Program:
    """A native circuit ready to bind and run.

    Attributes:
        circuit: The transpiled circuit.
        parameters: ``(slot index, Parameter)`` for the slots still present after
            transpiling (an optimizing pass may remove a gate and its angle).
        slots: Parameter values -> slot values.
        bind_by_copy: Aer would not bind some instruction (see ``_DECOMPOSED``).
    """

    circuit: QuantumCircuit
    parameters: tuple[tuple[int, Parameter], ...]
    slots: SlotMap
    bind_by_copy: bool

    def binds(self, values: np.ndarray) -> dict[Parameter, list[float]]:
        """``parameter_binds`` entry for the rows of ``values``."""
        slot_values = self.slots.apply(values)
        return {p: slot_values[:, j].tolist() for j, p in self.parameters}

    def bound(self, row: np.ndarray) -> QuantumCircuit:
        """A copy with one row of values assigned."""
        slot_values = self.slots.apply(row[None, :])[0]
        return self.circuit.assign_parameters(
            {p: float(slot_values[j]) for j, p in self.parameters}, inplace=False
        )


class _NoiseChannels:
    """Aer error instructions appended after every gate (see :mod:`..noise`)."""

    def __init__(self, spec: NoiseSpec) -> None:
        self.depolarizing: dict[int, Instruction] = {}
        if spec.depolarizing:
            self.depolarizing = {
                k: depolarizing_error(spec.depolarizing, k).to_instruction() for k in (1, 2, 3)
            }
        self.thermal: Instruction | None = None
        if spec.has_thermal and spec.thermal is not None:
            t = spec.thermal
            self.thermal = thermal_relaxation_error(t.t1, t.t2, t.gate_time).to_instruction()

    def after(self, qc: QuantumCircuit, qubits: Sequence[int]) -> None:
        if self.depolarizing:
            qc.append(self.depolarizing[len(qubits)], list(qubits), copy=False)
        if self.thermal is not None:
            for q in qubits:
                qc.append(self.thermal, [q], copy=False)


class _Builder:
    """AQO circuit -> ``QuantumCircuit`` with slot parameters (and noise, if any)."""

    def __init__(self, circuit: Circuit, noise: _NoiseChannels | None, dephase: bool) -> None:
        self.circuit = circuit
        self.noise = noise
        self.dephase = dephase
        self.qc = QuantumCircuit(circuit.num_qubits, circuit.num_clbits)
        self.table = SlotTable(circuit.parameters)
        self.parameters: list[Parameter] = []

    def angle(self, value: ParamValue) -> float | Parameter:
        if not isinstance(value, ParamExpr):
            return float(value)
        index = self.table.slot(value)
        if index == len(self.parameters):
            self.parameters.append(Parameter(f"s{index}"))
        return self.parameters[index]

    def build(self) -> tuple[QuantumCircuit, tuple[Parameter, ...], SlotMap]:
        for op in self.circuit.operations:
            self.add(op)
        return self.qc, tuple(self.parameters), self.table.freeze()

    def add(self, op: Operation) -> None:
        qc, q = self.qc, list(op.qubits)
        if op.op == MEASURE:
            if self.dephase:
                for qubit in q:
                    qc.append(_DEPHASE, [qubit], copy=False)
            elif q:
                qc.measure(q, list(op.clbits))
            return
        if op.op == "RESET":
            qc.reset(q)
            return
        if op.op == "BARRIER":
            qc.barrier(*(q or range(self.circuit.num_qubits)))
            return
        if op.op in _DECOMPOSED and isinstance(op.params[0], ParamExpr):
            self.controlled_rotation(op.op, op.params[0], q[0], q[1])
        else:
            qc.append(_GATES[op.op](*(self.angle(v) for v in op.params)), q, copy=False)
        if self.noise is not None:
            self.noise.after(qc, q)

    def controlled_rotation(self, name: str, theta: ParamExpr, c: int, t: int) -> None:
        """CRZ(θ) = RZ(θ/2)·CX·RZ(-θ/2)·CX on the target; CRY likewise with RY;
        CRX = H·CRZ·H on the target; CP(θ) = P(θ/2) on the control · CRZ(θ)."""
        qc = self.qc
        half, minus_half = self.angle(theta.scale(0.5)), self.angle(theta.scale(-0.5))
        rotation = lib.RYGate if name == "CRY" else lib.RZGate
        if name == "CRX":
            qc.h(t)
        if name == "CP":
            qc.p(half, c)
        qc.append(rotation(half), [t], copy=False)
        qc.cx(c, t)
        qc.append(rotation(minus_half), [t], copy=False)
        qc.cx(c, t)
        if name == "CRX":
            qc.h(t)


def _binds_silently_skipped(qc: QuantumCircuit) -> bool:
    """True if an instruction holds a symbolic parameter that Aer's binder would not see."""
    return any(
        not inst.operation.is_parameterized()
        and any(isinstance(p, ParameterExpression) for p in inst.operation.params)
        for inst in qc.data
    )


def _sparse_pauli_op(observable: PauliSum, num_qubits: int) -> SparsePauliOp:
    terms = observable.widened(num_qubits).hermitian().terms
    if not terms:
        return SparsePauliOp("I" * num_qubits, coeffs=[0.0])
    return SparsePauliOp.from_sparse_list(
        [(t.paulis, list(t.qubits), float(t.coeff.real)) for t in terms], num_qubits=num_qubits
    )


class AerDriver(SimulatorDriver):
    """Qiskit Aer devices: ``aer`` (= ``aer:statevector``), ``aer:density_matrix``, ``aer:mps``.

    Extra config key: ``max_parallel_threads`` (Aer threads per call, default 1).
    """

    name = "aer"
    DEVICES: ClassVar[Mapping[str, tuple[Method, str]]] = {
        "aer": (Method.STATEVECTOR, "Qiskit Aer state-vector simulator (default device)"),
        "aer:statevector": (Method.STATEVECTOR, "Qiskit Aer state-vector simulator"),
        "aer:density_matrix": (Method.DENSITY_MATRIX, "Qiskit Aer density-matrix simulator"),
        "aer:mps": (Method.MATRIX_PRODUCT_STATE, "Qiskit Aer matrix-product-state simulator"),
    }
    EXTRA_CONFIG_KEYS: ClassVar[tuple[str, ...]] = ("max_parallel_threads",)

    def _configure(self, config: Mapping[str, Any], cache_size: int) -> None:
        threads = config.get("max_parallel_threads", 1)
        if isinstance(threads, str) and threads.isdigit():
            threads = int(threads)
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 0:
            raise InvalidArgument(
                f"max_parallel_threads must be an integer >= 0 (0 = all cores), not {threads!r}"
            )
        self._simulators = {
            m: AerSimulator(
                method=name, max_parallel_threads=threads, max_parallel_experiments=0
            )
            for m, name in _METHODS.items()
        }
        self._pass_managers: dict[tuple[str, int], Any] = {}
        self._programs: BoundedCache[Hashable, _Program] = BoundedCache(cache_size)
        self._readout_models: dict[float, NoiseModel] = {}
        self._channels: dict[Hashable, _NoiseChannels] = {}

    # -- building ---------------------------------------------------------------------------
    def _pass_manager(self, method: str, level: int) -> Any:
        key = (method, level)
        pm = self._pass_managers.get(key)
        if pm is None:
            pm = generate_preset_pass_manager(
                level, backend=self._simulators[Method(method)], seed_transpiler=0
            )
            self._pass_managers[key] = pm
        return pm

    def _noise_channels(self, noise: NoiseSpec) -> _NoiseChannels | None:
        if not noise.has_quantum_channels:
            return None
        key = (noise.depolarizing, noise.thermal)
        channels = self._channels.get(key)
        if channels is None:
            channels = self._channels[key] = _NoiseChannels(noise)
        return channels

    def _program(
        self,
        circuit: Circuit,
        method: str,
        noise: NoiseSpec,
        level: int,
        observables: tuple[PauliSum, ...] | None = None,
    ) -> tuple[_Program, bool]:
        """The cached native program for ``circuit``; ``(program, came_from_cache)``."""
        noise_key = (noise.depolarizing, noise.thermal) if noise.has_quantum_channels else None
        key = (method, noise_key, level, observables, circuit_key(circuit))
        program = self._programs.get(key)
        if program is not None:
            return program, True
        builder = _Builder(circuit, self._noise_channels(noise), dephase=observables is not None)
        qc, parameters, slots = builder.build()
        if observables is not None:
            for i, obs in enumerate(observables):
                op = _sparse_pauli_op(obs, circuit.num_qubits)
                qc.append(SaveExpectationValue(op, label=f"e{i}"), list(range(qc.num_qubits)))
        native = self._pass_manager(method, level).run(qc)
        present = set(native.parameters)
        kept = tuple((j, p) for j, p in enumerate(parameters) if p in present)
        program = _Program(native, kept, slots, _binds_silently_skipped(native))
        self._programs.put(key, program)
        return program, False

    def _readout_model(self, noise: NoiseSpec) -> NoiseModel | None:
        p = noise.readout
        if not p:
            return None
        model = self._readout_models.get(p)
        if model is None:
            model = NoiseModel()
            model.add_all_qubit_readout_error(ReadoutError([[1 - p, p], [p, 1 - p]]))
            self._readout_models[p] = model
        return model

    # -- running ----------------------------------------------------------------------------
    def _run(
        self,
        method: str,
        circuits: list[QuantumCircuit],
        binds: list[dict[Parameter, list[float]]],
        **options: Any,
    ) -> list[Any]:
        sim = self._simulators[Method(method)]
        any_binds = any(binds)
        result = sim.run(
            circuits, parameter_binds=binds if any_binds else None, **options
        ).result()
        experiments = list(result.results)
        failed = [e for e in experiments if not e.success]
        if failed or not result.success:
            status = failed[0].status if failed else result.status
            raise DriverError(f"Aer {method} simulation failed: {status}")
        return experiments

    def _sample(
        self,
        device: DeviceInfo,
        jobs: Sequence[SampleJob],
        shots: int,
        seeds: Sequence[int],
        noise: NoiseSpec,
        optimization_level: int,
    ) -> list[SampleOutcome]:
        methods = [sampling_method(device.method, noise, j.circuit.num_qubits) for j in jobs]
        outcomes: list[SampleOutcome] = []
        start = 0
        # Aer seeds experiment i of a run with seed + 2113*i, so each run is a contiguous
        # stretch of jobs with one method, seeded with its first job's seed.
        while start < len(jobs):
            stop = start + 1
            while stop < len(jobs) and methods[stop] == methods[start]:
                stop += 1
            outcomes += self._sample_run(
                methods[start], jobs[start:stop], shots, seeds[start], noise, optimization_level
            )
            start = stop
        return outcomes

    def _sample_run(
        self,
        method: str,
        jobs: Sequence[SampleJob],
        shots: int,
        seed: int,
        noise: NoiseSpec,
        level: int,
    ) -> list[SampleOutcome]:
        programs: list[_Program] = []
        cached: list[bool] = []
        built: dict[int, _Program] = {}  # batch items often share one Circuit object
        for job in jobs:
            program = built.get(id(job.circuit))
            hit = program is not None
            if program is None:
                program, hit = self._program(job.circuit, method, noise, level)
                built[id(job.circuit)] = program
            programs.append(program)
            cached.append(hit)
        # A stretch of jobs sharing one parameterised program is one run() entry whose
        # bindings Aer runs as consecutive experiments: assembled once, and the experiment
        # order (hence the seeds) is still the job order.
        circuits: list[QuantumCircuit] = []
        binds: list[dict[Parameter, list[float]]] = []
        start = 0
        while start < len(jobs):
            program, stop = programs[start], start + 1
            if not program.parameters:
                circuits.append(program.circuit)
                binds.append({})
            elif program.bind_by_copy:
                circuits.append(program.bound(np.asarray(jobs[start].values, dtype=np.float64)))
                binds.append({})
            else:
                while stop < len(jobs) and programs[stop] is program:
                    stop += 1
                values = np.array([job.values for job in jobs[start:stop]], dtype=np.float64)
                circuits.append(program.circuit)
                binds.append(program.binds(values))
            start = stop
        experiments = self._run(
            method, circuits, binds, shots=shots, seed_simulator=seed,
            noise_model=self._readout_model(noise),
        )
        return [
            SampleOutcome(
                counts=counts_from_integers(
                    {int(k, 16): v for k, v in exp.data.counts.items()}, job.circuit.num_clbits
                ),
                method=method,
                transpile_cached=hit,
                seed=int(exp.seed_simulator),
            )
            for job, exp, hit in zip(jobs, experiments, cached, strict=True)
        ]

    def _expectations(
        self,
        device: DeviceInfo,
        circuit: Circuit,
        observables: tuple[PauliSum, ...],
        values: np.ndarray,
        noise: NoiseSpec,
        method: str,
    ) -> np.ndarray:
        program, _ = self._program(circuit, method, noise, 0, observables)
        rows = values.shape[0]
        if not program.parameters:
            experiments = self._run(method, [program.circuit], [{}], shots=1)
        elif program.bind_by_copy:
            circuits = [program.bound(row) for row in values]
            experiments = self._run(method, circuits, [{}] * rows, shots=1)
        else:
            experiments = self._run(method, [program.circuit], [program.binds(values)], shots=1)
        out = np.array(
            [[float(getattr(exp.data, f"e{i}")) for i in range(len(observables))]
             for exp in experiments],
            dtype=np.float64,
        )
        if out.shape[0] != rows:
            out = np.repeat(out[:1], rows, axis=0)
        return out

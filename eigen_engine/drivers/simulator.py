"""``SimulatorDriver``: the QDriver behaviour shared by the Aer and Cirq drivers.

Input checks, device table and status, noise defaults, seeds, metadata, calibration and
memory estimates live here; a subclass supplies only ``_sample`` and ``_expectations``
over already-checked input.
"""

from __future__ import annotations

import abc
import contextlib
import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from eigen_engine.drivers import calibration
from eigen_engine.drivers.devices import (
    DeviceInfo,
    DeviceStatus,
    Method,
    max_qubits_for_memory,
    physical_memory_bytes,
    state_memory_bytes,
)
from eigen_engine.drivers.inputs import (
    check_optimization_level,
    check_seed,
    check_shots,
    coerce_circuit,
    has_measurement,
    parameter_values,
    parse_execute_options,
    suggest,
)
from eigen_engine.drivers.noise import NoiseSpec, parse_noise
from eigen_engine.drivers.results import BITSTRING_ORDER, Counts, ExecutionResult
from eigen_engine.errors import (
    DeviceNotFound,
    DriverError,
    EigenError,
    InvalidArgument,
    ResourceExhausted,
)
from eigen_engine.ir.aqo import Circuit
from eigen_engine.ir.gates import GATES, MEASURE
from eigen_engine.ir.observable import PauliSum

__all__ = [
    "DM_SAMPLING_MAX_QUBITS",
    "SEED_STRIDE",
    "BoundedCache",
    "SampleJob",
    "SampleOutcome",
    "SimulatorDriver",
    "circuit_key",
    "experiment_seed",
    "needs_mixed_state",
    "sampling_method",
]

SEED_STRIDE = 2113
"""Result ``i`` of a batch is sampled with ``seed + SEED_STRIDE * i``.

This is the derivation Aer applies to the experiments of one ``run()`` (verified on
qiskit-aer 0.18); the Cirq driver uses the same one, so on both drivers
``execute_circuit(..., seed=result.seed)`` reproduces any batch item.
"""

DM_SAMPLING_MAX_QUBITS = 10
"""Noisy sampling on a state-vector device uses a density matrix up to this width.

One density-matrix simulation (16 MiB at 10 qubits) beats one state-vector trajectory per
shot for every realistic shot count; wider circuits fall back to trajectories.
"""

_CONFIG_KEYS = ("noise_model", "max_memory_bytes", "cache_size")
_STATE_OPS = frozenset({MEASURE, "RESET"})

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A thread-safe least-recently-used mapping with a size bound."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """Return the value for ``key`` (marking it recently used), or ``None``."""
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Store ``value``, evicting the least recently used entry when full."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


@dataclass(frozen=True, slots=True)
class SampleJob:
    """One checked batch item: a circuit with measurements and its parameter values.

    Attributes:
        circuit: The circuit (at least one MEASURE).
        values: Values of ``circuit.parameters``, in order.
    """

    circuit: Circuit
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class SampleOutcome:
    """What a subclass returns per batch item.

    Attributes:
        counts: Counts in Qiskit bit order.
        method: The simulation method actually used.
        transpile_cached: True if the native circuit came from the cache.
        seed: The seed the backend reports it used, when it reports one.
    """

    counts: Counts
    method: str
    transpile_cached: bool
    seed: int | None = None


def experiment_seed(seed: int, index: int) -> int:
    """The seed of item ``index`` of a batch sampled with ``seed`` (see :data:`SEED_STRIDE`)."""
    return seed + SEED_STRIDE * index


def sampling_method(method: str, noise: NoiseSpec, num_qubits: int) -> str:
    """The method to sample with: a state-vector device samples noisy circuits of up to
    :data:`DM_SAMPLING_MAX_QUBITS` qubits from a density matrix."""
    if (
        method == Method.STATEVECTOR
        and noise.has_quantum_channels
        and num_qubits <= DM_SAMPLING_MAX_QUBITS
    ):
        return str(Method.DENSITY_MATRIX)
    return method


def circuit_key(circuit: Circuit) -> tuple[Hashable, ...]:
    """The part of a cache key that identifies a circuit's structure."""
    return (circuit.num_qubits, circuit.num_clbits, circuit.parameters, circuit.operations)


def needs_mixed_state(circuit: Circuit) -> bool:
    """True if exact expectation values of ``circuit`` need a density matrix: a RESET, or a
    MEASURE before the end (both turn a pure state into a mixture)."""
    return any(op.op in _STATE_OPS for op in circuit.without_final_measurements().operations)


@functools.lru_cache(maxsize=64)
def _noise(text: str | None) -> NoiseSpec:
    return parse_noise(text)


def _parameter_matrix(circuit: Circuit, parameter_sets: Any) -> np.ndarray:
    try:
        values = np.asarray(parameter_sets, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(
            f"parameter_sets must be a 2-D array of numbers (one row per evaluation): {exc}"
        ) from exc
    p = len(circuit.parameters)
    if values.ndim == 1 and p and values.shape[0] == p:
        values = values[None, :]
    elif values.ndim == 1 and values.shape[0] == 0:
        values = values.reshape(0, p)
    if values.ndim != 2 or values.shape[1] != p:
        raise InvalidArgument(
            f"parameter_sets must have shape (rows, {p}) — one value per circuit parameter "
            f"({', '.join(circuit.parameters) or 'none'}) in that order — not {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise InvalidArgument("parameter_sets contains NaN or infinity")
    return values


class SimulatorDriver(abc.ABC):
    """Base of the local simulator drivers; implements :class:`QDriver`.

    Config keys (``initialize``): ``noise_model`` (default noise of every device),
    ``max_memory_bytes`` (memory the widest simulable circuit may use; default the
    machine's), ``cache_size`` (native circuits kept, default 256), plus a subclass's own.
    """

    name: ClassVar[str]
    DEVICES: ClassVar[Mapping[str, tuple[Method, str]]]
    """Device id -> (method, description)."""
    EXTRA_CONFIG_KEYS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._running_calls: dict[str, int] = {}
        self._calibrating: set[str] = set()
        self._calibrations: dict[str, Mapping[str, float]] = {}
        self._devices: dict[str, DeviceInfo] = {}
        self._default_noise = NoiseSpec()
        self.initialize(config or {})

    # -- configuration ----------------------------------------------------------------------
    def initialize(self, config: Mapping[str, Any]) -> None:
        """Configure the driver (see the class docstring) and clear its caches.

        Raises:
            InvalidArgument: an unknown key or a bad value.
        """
        known = (*_CONFIG_KEYS, *self.EXTRA_CONFIG_KEYS)
        for key in config:
            if key not in known:
                raise InvalidArgument(
                    f"unknown {self.name} driver config key {key!r}{suggest(str(key), known)}; "
                    f"keys are {', '.join(known)}"
                )
        noise_text = config.get("noise_model")
        noise = _noise(None if noise_text is None else str(noise_text))
        memory = _positive_int(config, "max_memory_bytes", physical_memory_bytes())
        cache_size = _positive_int(config, "cache_size", 256)
        self._configure(config, cache_size)
        basis = tuple(GATES)
        devices = {
            device_id: DeviceInfo(
                id=device_id,
                driver=self.name,
                num_qubits=max_qubits_for_memory(method, memory),
                basis_gates=basis,
                method=str(method),
                noise_model=None if noise.is_ideal else str(noise),
                description=description,
            )
            for device_id, (method, description) in self.DEVICES.items()
        }
        with self._lock:
            self._default_noise = noise
            self._devices = devices
            self._calibrations.clear()

    @abc.abstractmethod
    def _configure(self, config: Mapping[str, Any], cache_size: int) -> None:
        """Apply driver-specific config and (re)create the caches."""

    # -- devices ----------------------------------------------------------------------------
    def get_devices(self) -> list[DeviceInfo]:
        """Return every device with its current status, queue depth and calibration."""
        return [self.get_device_status(device_id) for device_id in self._devices]

    def get_device_status(self, device_id: str) -> DeviceInfo:
        """Return one device with its current status.

        Raises:
            DeviceNotFound: this driver has no such device.
        """
        info = self._device(device_id)
        with self._lock:
            running = self._running_calls.get(device_id, 0)
            status = (
                DeviceStatus.CALIBRATING if device_id in self._calibrating
                else DeviceStatus.BUSY if running else DeviceStatus.ONLINE
            )
            return replace(
                info,
                status=status,
                queue_depth=running,
                calibration=self._calibrations.get(device_id),
            )

    def _device(self, device_id: str) -> DeviceInfo:
        info = self._devices.get(device_id)
        if info is None:
            raise DeviceNotFound(
                f"{self.name} has no device {device_id!r}{suggest(device_id, list(self._devices))}"
                f"; its devices are {', '.join(self._devices)}"
            )
        return info

    def estimate_memory(self, device_id: str, num_qubits: int) -> int:
        """Bytes the device's state needs for ``num_qubits`` qubits (see
        :func:`~eigen_engine.drivers.devices.state_memory_bytes`).

        Raises:
            DeviceNotFound: this driver has no such device.
        """
        return state_memory_bytes(self._device(device_id).method, num_qubits)

    # -- sampling ---------------------------------------------------------------------------
    def execute_circuit(
        self,
        device_id: str,
        aqo: Mapping[str, Any] | Circuit,
        shots: int,
        options: Mapping[str, Any] | None = None,
    ) -> ExecutionResult:
        """Sample one circuit; see :meth:`QDriver.execute_circuit`.

        Example:
            >>> from eigen_engine.drivers import get_driver
            >>> bell = {"version": "1.0.0", "qubits": 2, "operations": [
            ...     {"op": "H", "q": [0]}, {"op": "CX", "q": [0, 1]}]}
            >>> get_driver("aer").execute_circuit("aer", bell, 1000, {"seed": 1}).counts
            {'11': 518, '00': 482}
        """
        circuit = coerce_circuit(aqo)
        opts = parse_execute_options(options)
        return self.sample_batch(
            device_id,
            [circuit],
            [opts.bindings],
            shots,
            seed=opts.seed,
            noise_model=opts.noise_model,
            optimization_level=opts.optimization_level,
        )[0]

    def sample_batch(
        self,
        device_id: str,
        circuits: Sequence[Circuit],
        bindings: Sequence[Mapping[str, float] | None],
        shots: int,
        *,
        seed: int | None,
        noise_model: str | None = None,
        optimization_level: int = 0,
    ) -> list[ExecutionResult]:
        """Sample many circuits in one simulator call; see :meth:`QDriver.sample_batch`.

        Result ``i`` uses seed ``seed + SEED_STRIDE * i`` (reported in ``result.seed``).
        """
        device = self._device(device_id)
        shots = check_shots(shots)
        base_seed = check_seed(seed)
        level = check_optimization_level(optimization_level)
        if len(bindings) != len(circuits):
            raise InvalidArgument(
                f"sample_batch got {len(circuits)} circuits but {len(bindings)} bindings; "
                "pass one bindings entry (or None) per circuit"
            )
        noise = self._noise_for(device, noise_model)
        jobs = []
        measured: dict[int, Circuit] = {}  # one measured copy per distinct input circuit
        for circuit, binding in zip(circuits, bindings, strict=True):
            if not isinstance(circuit, Circuit):
                raise TypeError(f"sample_batch takes Circuit objects, not {type(circuit).__name__}")
            run = measured.get(id(circuit))
            if run is None:
                self._check_width(device, circuit)
                run = circuit if has_measurement(circuit) else circuit.with_measure_all()
                measured[id(circuit)] = run
            jobs.append(SampleJob(run, parameter_values(run, binding)))
        if not jobs:
            return []
        seeds = [experiment_seed(base_seed, i) for i in range(len(jobs))]
        with self._running(device):
            start = time.perf_counter()
            outcomes = self._sample(device, jobs, shots, seeds, noise, level)
            elapsed = time.perf_counter() - start
        noise_label = None if noise.is_ideal else str(noise)
        return [
            ExecutionResult(
                counts=outcome.counts,
                shots=shots,
                seed=item_seed if outcome.seed is None else outcome.seed,
                device_id=device.id,
                metadata={
                    "driver": self.name,
                    "method": outcome.method,
                    "noise_model": noise_label,
                    "time_taken": elapsed / len(jobs),
                    "batch_size": len(jobs),
                    "transpile_cached": outcome.transpile_cached,
                    "optimization_level": level,
                    "num_qubits": job.circuit.num_qubits,
                    "num_clbits": job.circuit.num_clbits,
                    "bitstring_order": BITSTRING_ORDER,
                },
            )
            for job, outcome, item_seed in zip(jobs, outcomes, seeds, strict=True)
        ]

    @abc.abstractmethod
    def _sample(
        self,
        device: DeviceInfo,
        jobs: Sequence[SampleJob],
        shots: int,
        seeds: Sequence[int],
        noise: NoiseSpec,
        optimization_level: int,
    ) -> list[SampleOutcome]:
        """Sample every job (one simulator call where the backend allows it)."""

    # -- expectation values -----------------------------------------------------------------
    def expectation_values(
        self,
        device_id: str,
        circuit: Circuit,
        observables: Sequence[PauliSum],
        parameter_sets: Sequence[Sequence[float]] | np.ndarray,
        *,
        noise_model: str | None = None,
        seed: int | None = None,
    ) -> np.ndarray:
        """Exact expectation values; see :meth:`QDriver.expectation_values`.

        The state is a density matrix when the noise has quantum channels, when the device
        is a density-matrix device, or when the circuit resets or measures before its end;
        otherwise the device's own method. ``seed`` is accepted for interface symmetry:
        exact values do not depend on it.
        """
        device = self._device(device_id)
        if not isinstance(circuit, Circuit):
            raise TypeError(f"expectation_values takes a Circuit, not {type(circuit).__name__}")
        self._check_width(device, circuit)
        if seed is not None:
            check_seed(seed)
        noise = self._noise_for(device, noise_model)
        values = _parameter_matrix(circuit, parameter_sets)
        obs = tuple(observables)
        for o in obs:
            if not isinstance(o, PauliSum):
                raise TypeError(f"observables must be PauliSum objects, not {type(o).__name__}")
            if o.num_qubits > circuit.num_qubits:
                raise InvalidArgument(
                    f"observable {o} acts on {o.num_qubits} qubits but the circuit has "
                    f"{circuit.num_qubits}"
                )
            try:
                o.hermitian()
            except ValueError as exc:
                raise InvalidArgument(str(exc)) from exc
        if not obs or not values.shape[0]:
            return np.zeros((values.shape[0], len(obs)))
        exact_circuit = circuit.without_final_measurements()
        method = device.method
        if noise.has_quantum_channels or needs_mixed_state(circuit):
            method = str(Method.DENSITY_MATRIX)
        with self._running(device):
            return self._expectations(device, exact_circuit, obs, values, noise, method)

    @abc.abstractmethod
    def _expectations(
        self,
        device: DeviceInfo,
        circuit: Circuit,
        observables: tuple[PauliSum, ...],
        values: np.ndarray,
        noise: NoiseSpec,
        method: str,
    ) -> np.ndarray:
        """Exact values, shape ``(len(values), len(observables))``; ``circuit`` has no final
        measurements and ``method`` is already chosen."""

    # -- calibration ------------------------------------------------------------------------
    def calibrate_device(
        self,
        device_id: str,
        *,
        noise_model: str | None = None,
        shots: int = 4000,
        seed: int = 0,
    ) -> Mapping[str, float]:
        """Measure readout and gate errors under the device's (or the given) noise.

        The figures (see :mod:`eigen_engine.drivers.calibration`) are stored on the device
        and returned by later ``get_devices`` calls.
        """
        self._device(device_id)
        probes = calibration.calibration_circuits()
        with self._lock:
            self._calibrating.add(device_id)
        try:
            results = self.sample_batch(
                device_id, probes, [None] * len(probes), shots, seed=seed, noise_model=noise_model
            )
        finally:
            with self._lock:
                self._calibrating.discard(device_id)
        figures = calibration.estimate([r.counts for r in results], shots)
        with self._lock:
            self._calibrations[device_id] = MappingProxyType(dict(figures))
        return figures

    # -- shared checks ----------------------------------------------------------------------
    def _noise_for(self, device: DeviceInfo, noise_model: str | None) -> NoiseSpec:
        if noise_model is None:
            return self._default_noise
        if not isinstance(noise_model, str):
            raise InvalidArgument(f"noise_model must be a noise string, not {noise_model!r}")
        return _noise(noise_model)

    def _check_width(self, device: DeviceInfo, circuit: Circuit) -> None:
        if circuit.num_qubits > device.num_qubits:
            need = state_memory_bytes(device.method, circuit.num_qubits)
            raise ResourceExhausted(
                f"the circuit has {circuit.num_qubits} qubits but {device.id} simulates at "
                f"most {device.num_qubits} on this machine ({need / 2**30:.3g} GiB needed); "
                "use fewer qubits or a matrix-product-state device such as aer:mps"
            )

    @contextlib.contextmanager
    def _running(self, device: DeviceInfo) -> Iterator[None]:
        with self._lock:
            self._running_calls[device.id] = self._running_calls.get(device.id, 0) + 1
        try:
            yield
        except EigenError:
            raise
        except MemoryError as exc:
            raise ResourceExhausted(
                f"{device.id} ran out of memory simulating the circuit; use fewer qubits"
            ) from exc
        except Exception as exc:  # the backend's own failures, reported as driver errors
            raise DriverError(
                f"{device.id}: simulation failed: {type(exc).__name__}: {exc}"
            ) from exc
        finally:
            with self._lock:
                self._running_calls[device.id] -= 1


def _positive_int(config: Mapping[str, Any], key: str, default: int) -> int:
    raw = config.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if isinstance(raw, bool) or value < 1:
        raise InvalidArgument(f"driver config {key} must be a positive integer, not {raw!r}")
    return value

"""Test-only pieces for the engine tests: a misbehaving driver, and how workers get it.

The ``testdrv`` driver has one device per misbehaviour; each delegates the actual sampling
to the real Aer driver, so a job that gets through returns real counts:

- ``testdrv:sleep`` sleeps :data:`SLEEP_S` seconds ignoring cancel requests (a long
  simulation that only ending its worker stops);
- ``testdrv:flaky`` raises ``TransientDriverError`` the first time it sees a seed, then
  samples (the state survives the worker in a marker file);
- ``testdrv:crash`` ends its worker process with ``os._exit(1)``;
- ``testdrv:pause`` waits until the test creates :data:`RELEASE` in the marker dir (at
  most :data:`PAUSE_MAX_S`), then samples;
- ``testdrv:fail`` raises a permanent ``DriverError``.

Engine workers are separate interpreters, so the driver must be registered there too: an
engine built by :func:`driver_executor` runs :func:`install` in each worker. This module is
imported by its package name (``tests.engine.enginetools``, importable because the project
root is on ``sys.path``), which is what lets a worker unpickle :func:`install`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from eigen_engine import Engine
from eigen_engine.drivers.devices import DeviceInfo, state_memory_bytes
from eigen_engine.drivers.registry import get_driver, register_driver, unregister_driver
from eigen_engine.drivers.results import ExecutionResult
from eigen_engine.errors import DeviceNotFound, DriverError, TransientDriverError
from eigen_engine.qrtx.executors import LocalExecutor
from eigen_engine.qrtx.lease import SchedulerLease

__all__ = [
    "DRIVER",
    "EXAMPLES",
    "SLEEP_S",
    "EngineFactory",
    "TestDriver",
    "driver_executor",
    "install",
    "scheduler_held",
    "uninstall",
    "wait_for",
]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

EngineFactory = Callable[..., Engine]
"""The ``make_engine`` fixture: ``make_engine(**engine_kwargs) -> Engine``."""

DRIVER = "testdrv"
SLEEP_S = 120.0
"""How long ``testdrv:sleep`` sleeps: far longer than any test waits for it."""

PAUSE_MAX_S = 60.0
RELEASE = "release"
"""File name in the marker dir that lets ``testdrv:pause`` jobs go on."""

_DEVICES = ("sleep", "flaky", "crash", "fail", "pause")
_marker_dir: Path | None = None


class TestDriver:
    """A driver whose devices misbehave on purpose (see the module docstring)."""

    __test__ = False  # not a pytest test class
    name = DRIVER

    def initialize(self, config: Mapping[str, Any]) -> None:
        """Nothing to configure."""

    def get_devices(self) -> list[DeviceInfo]:
        """The devices, described like Aer's state-vector device."""
        aer = get_driver("aer").get_device_status("aer")
        return [
            replace(aer, id=f"{DRIVER}:{kind}", driver=DRIVER, description=f"test: {kind}")
            for kind in _DEVICES
        ]

    def get_device_status(self, device_id: str) -> DeviceInfo:
        """One device."""
        for device in self.get_devices():
            if device.id == device_id:
                return device
        raise DeviceNotFound(f"testdrv has no device {device_id!r}")

    def estimate_memory(self, device_id: str, num_qubits: int) -> int:
        """A state vector's size."""
        return state_memory_bytes("statevector", num_qubits)

    def execute_circuit(
        self,
        device_id: str,
        aqo: Any,
        shots: int,
        options: Mapping[str, Any] | None = None,
    ) -> ExecutionResult:
        """Misbehave as the device says, then sample on Aer."""
        kind = device_id.split(":", 1)[1]
        seed = (options or {}).get("seed")
        if kind == "sleep":
            time.sleep(SLEEP_S)
        elif kind == "crash":
            os._exit(1)
        elif kind == "fail":
            raise DriverError("testdrv:fail always fails; use another device")
        elif kind == "pause":
            _pause()
        elif kind == "flaky":
            if _marker_dir is None:
                raise DriverError("testdrv:flaky needs install(marker_dir) in the worker")
            marker = _marker_dir / f"flaky-{seed}"
            if not marker.exists():
                marker.touch()
                raise TransientDriverError(f"testdrv:flaky: first attempt with seed {seed}")
        result = get_driver("aer").execute_circuit("aer", aqo, shots, options)
        return replace(result, device_id=device_id)

    def sample_batch(self, *args: Any, **kwargs: Any) -> Sequence[ExecutionResult]:
        """Not needed by sampling jobs."""
        raise DriverError("testdrv runs sampling jobs only")

    def expectation_values(self, *args: Any, **kwargs: Any) -> Any:
        """Not needed by sampling jobs."""
        raise DriverError("testdrv runs sampling jobs only")

    def calibrate_device(self, *args: Any, **kwargs: Any) -> Mapping[str, float]:
        """Not needed."""
        raise DriverError("testdrv cannot be calibrated")


def _pause() -> None:
    if _marker_dir is None:
        raise DriverError("testdrv:pause needs install(marker_dir) in the worker")
    deadline = time.monotonic() + PAUSE_MAX_S
    while not (_marker_dir / RELEASE).exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def install(marker_dir: str | None = None) -> None:
    """Register ``testdrv`` in this process (worker initializer, and the test process)."""
    global _marker_dir
    _marker_dir = None if marker_dir is None else Path(marker_dir)
    register_driver(DRIVER, TestDriver, replace=True)


def uninstall() -> None:
    """Forget ``testdrv`` in this process."""
    unregister_driver(DRIVER)


def driver_executor(marker_dir: str | os.PathLike[str], *, workers: int = 1) -> LocalExecutor:
    """A local pool whose workers know ``testdrv`` (``Engine(executor=...)``)."""
    return LocalExecutor(max_workers=workers, initializer=install, initargs=(str(marker_dir),))


@contextlib.contextmanager
def scheduler_held(home: str | os.PathLike[str]) -> Iterator[SchedulerLease]:
    """Hold a home's scheduler lease: engines opened inside the block accept and queue jobs
    but run none until it ends (their scheduler then takes the lease at its next poll)."""
    Path(home).mkdir(parents=True, exist_ok=True)
    lease = SchedulerLease(home)
    if not lease.try_acquire():
        raise RuntimeError(f"another process holds the scheduler lease of {home}")
    try:
        yield lease
    finally:
        lease.release()


def wait_for(condition: Callable[[], bool], timeout: float = 60.0, interval: float = 0.02) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:g} s")
        time.sleep(interval)

"""Runtime test fixtures: real drivers (optionally with their calls counted), a program
builder, and hooks that record evaluations and cancel on demand."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from eigen_engine import compile_source
from eigen_engine.compiler import CompiledProgram
from eigen_engine.drivers.aer import AerDriver
from eigen_engine.drivers.cirq import CirqDriver
from eigen_engine.drivers.protocol import QDriver

IMPORTS = (
    "import numpy as np\n"
    "from eigen_lang import (\n"
    "    hybrid_program, ansatz, cost_function, Param, Params,\n"
    "    h, x, ry, rx, rz, cx, crx, cry, crz, cp, rxx, ryy, rzz, u, p, measure,\n"
    "    Observable, I, X, Y, Z, ExpectationValue, minimize, sample, sweep,\n"
    "    create_hea_ansatz, create_qaoa_ansatz, create_ising_model_hamiltonian,\n"
    "    create_maxcut_hamiltonian,\n"
    ")\n"
)


@pytest.fixture(scope="session")
def aer_driver() -> AerDriver:
    """A private Aer driver."""
    return AerDriver()


@pytest.fixture(scope="session")
def cirq_driver() -> CirqDriver:
    """A private Cirq driver."""
    return CirqDriver()


@pytest.fixture(params=["aer", "cirq"])
def device(request: pytest.FixtureRequest) -> tuple[QDriver, str]:
    """``(driver, device_id)`` for the default device of each driver."""
    name: str = request.param
    driver: QDriver = request.getfixturevalue(f"{name}_driver")
    return driver, name


@pytest.fixture(scope="session")
def program() -> Callable[..., CompiledProgram]:
    """``program(body, seed=3, module="")`` compiles an entrypoint whose body is ``body``."""

    def build(body: str, *, seed: int = 3, module: str = "", decorator: str = "") -> (
        CompiledProgram
    ):
        lines = "".join(f"    {line}\n" for line in body.strip("\n").splitlines())
        source = (IMPORTS + module + (decorator or "@hybrid_program()") + "\ndef main():\n"
                  + lines)
        return compile_source(source, seed=seed)

    return build


class CountingDriver:
    """A real driver whose batched calls are recorded (everything else is delegated)."""

    def __init__(self, inner: QDriver) -> None:
        self.inner = inner
        self.calls: list[tuple[str, Any, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def expectation_values(self, device_id: str, circuit: Any, observables: Sequence[Any],
                           parameter_sets: Any, **kwargs: Any) -> Any:
        self.calls.append(("expectation_values", circuit, len(parameter_sets)))
        return self.inner.expectation_values(device_id, circuit, observables, parameter_sets,
                                             **kwargs)

    def sample_batch(self, device_id: str, circuits: Sequence[Any], bindings: Sequence[Any],
                     shots: int, **kwargs: Any) -> Any:
        self.calls.append(("sample_batch", tuple(circuits), len(circuits)))
        return self.inner.sample_batch(device_id, circuits, bindings, shots, **kwargs)


@pytest.fixture
def counting() -> Callable[[QDriver], CountingDriver]:
    """Wrap a real driver so its batched calls are counted."""
    return CountingDriver


@dataclass
class Hooks:
    """Records every evaluation; ``cancelled()`` turns true once ``cancel_after`` records
    have been made."""

    cancel_after: int | None = None
    records: list[Mapping[str, Any]] = field(default_factory=list)
    polls: int = 0

    def evaluation(self, record: Mapping[str, Any]) -> None:
        self.records.append(dict(record))

    def cancelled(self) -> bool:
        self.polls += 1
        return self.cancel_after is not None and len(self.records) >= self.cancel_after


@pytest.fixture
def hooks() -> Callable[..., Hooks]:
    """``hooks(cancel_after=None)`` -> a recording :class:`Hooks`."""
    return Hooks

"""Gate functions: qubits first, then angles (``rx(q, theta)``; ``theta=`` also accepted).

Called inside a compiled program they append gates to the circuit being built; from plain
Python they raise :class:`NotCompiledError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eigen_lang._errors import NotCompiledError

__all__ = [
    "barrier", "ccx", "ccz", "ch", "cnot", "cp", "crx", "cry", "crz", "cswap", "cx", "cy",
    "cz", "h", "measure", "measure_all", "p", "reset", "rx", "rxx", "ry", "ryy", "rz", "rzz",
    "s", "sdg", "swap", "sx", "t", "tdg", "u", "x", "y", "z",
]

Qubit = int
Angle = Any  # a number or a Param


def _gate(name: str, doc: str) -> Callable[..., None]:
    def gate(*args: Any, **kwargs: Any) -> None:
        raise NotCompiledError(name)

    gate.__name__ = name
    gate.__qualname__ = name
    gate.__doc__ = doc
    return gate


h = _gate("h", "Hadamard on qubit ``q``: ``h(q)``.")
x = _gate("x", "Pauli X: ``x(q)``.")
y = _gate("y", "Pauli Y: ``y(q)``.")
z = _gate("z", "Pauli Z: ``z(q)``.")
s = _gate("s", "S = sqrt(Z): ``s(q)``.")
sdg = _gate("sdg", "S-dagger: ``sdg(q)``.")
t = _gate("t", "T = fourth root of Z: ``t(q)``.")
tdg = _gate("tdg", "T-dagger: ``tdg(q)``.")
sx = _gate("sx", "sqrt(X): ``sx(q)``.")
rx = _gate("rx", "X rotation: ``rx(q, theta)``.")
ry = _gate("ry", "Y rotation: ``ry(q, theta)``.")
rz = _gate("rz", "Z rotation: ``rz(q, theta)``.")
p = _gate("p", "Phase gate: ``p(q, theta)``.")
u = _gate("u", "General single-qubit gate: ``u(q, theta, phi, lam)``.")
cx = _gate("cx", "Controlled X: ``cx(control, target)``.")
cnot = _gate("cnot", "Alias of ``cx``: ``cnot(control, target)``.")
cy = _gate("cy", "Controlled Y: ``cy(control, target)``.")
cz = _gate("cz", "Controlled Z: ``cz(a, b)``.")
ch = _gate("ch", "Controlled Hadamard: ``ch(control, target)``.")
swap = _gate("swap", "Swap two qubits: ``swap(a, b)``.")
crx = _gate("crx", "Controlled X rotation: ``crx(control, target, theta)``.")
cry = _gate("cry", "Controlled Y rotation: ``cry(control, target, theta)``.")
crz = _gate("crz", "Controlled Z rotation: ``crz(control, target, theta)``.")
cp = _gate("cp", "Controlled phase: ``cp(control, target, theta)``.")
rxx = _gate("rxx", "XX rotation exp(-i theta/2 XX): ``rxx(a, b, theta)``.")
ryy = _gate("ryy", "YY rotation: ``ryy(a, b, theta)``.")
rzz = _gate("rzz", "ZZ rotation: ``rzz(a, b, theta)``.")
ccx = _gate("ccx", "Toffoli: ``ccx(c1, c2, target)``.")
ccz = _gate("ccz", "Doubly controlled Z: ``ccz(a, b, c)``.")
cswap = _gate("cswap", "Fredkin: ``cswap(control, a, b)``.")
reset = _gate("reset", "Reset a qubit to |0>: ``reset(q)``.")
barrier = _gate("barrier", "Barrier on the given qubits (all if none): ``barrier(0, 1)``.")
measure = _gate(
    "measure",
    "Measure qubits: ``measure(q)`` (into the bit of the same index), ``measure(q[0], c[1])``, "
    "``measure(0, c=1)``, ``measure(0, basis='X')``.",
)
measure_all = _gate("measure_all", "Measure every qubit into the bit of the same index.")

"""``CircuitDrawing``: an AQO circuit drawn by Qiskit's matplotlib drawer.

Qiskit is imported only when a drawing is made. Symbolic angles keep their names (an
affine angle such as ``2*gamma[0] + 0.5`` is drawn as that expression), so the drawing shows
the program's parameters rather than numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from traitlets import Dict, Int, Unicode, observe

from eigen_jupyter.widgets.figures import figure_png, new_figure
from eigen_jupyter.widgets.markup import escape, img_html, mimebundle
from eigen_jupyter.widgets.static import StaticRepr

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

    from eigen_engine.ir.aqo import Circuit

__all__ = ["CircuitDrawing", "pick_circuit", "to_quantum_circuit"]


def pick_circuit(aqo: Mapping[str, Any], circuit_id: str = "") -> Circuit:
    """Decode the circuit to draw: ``circuit_id`` if given, else the main circuit, or the
    first circuit of the hybrid plan when the main circuit has no operations.

    Raises:
        InvalidArgument: the document is not valid AQO or has no such circuit.
    """
    from eigen_engine.ir.aqo import MAIN_CIRCUIT, circuit_from_aqo

    if circuit_id:
        return circuit_from_aqo(aqo, circuit_id)
    main = circuit_from_aqo(aqo, MAIN_CIRCUIT)
    if main.operations:
        return main
    for other in (aqo.get("annotations") or {}).get("circuits") or {}:
        if other != MAIN_CIRCUIT:
            return circuit_from_aqo(aqo, other)
    return main


def to_quantum_circuit(circuit: Circuit, *, max_operations: int | None = None) -> QuantumCircuit:
    """Build a Qiskit ``QuantumCircuit`` (for drawing) from a decoded AQO circuit.

    Args:
        circuit: The circuit (see :func:`pick_circuit`).
        max_operations: Keep only the first operations (a drawing of thousands of gates is
            unreadable and slow).
    """
    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    from qiskit.circuit import Parameter

    from eigen_engine.ir.gates import GATES, MEASURE
    from eigen_engine.ir.params import ParamExpr

    symbols: dict[str, Parameter] = {}

    def angle(value: Any) -> Any:
        if not isinstance(value, ParamExpr):
            return float(value)
        total: Any = value.const
        for name, coef in value.terms:
            symbol = symbols.setdefault(name, Parameter(name))
            total = total + (symbol if coef == 1 else coef * symbol)
        return total

    qc = QuantumCircuit(QuantumRegister(circuit.num_qubits, "q"))
    if circuit.num_clbits:
        qc.add_register(ClassicalRegister(circuit.num_clbits, "c"))
    ops = circuit.operations if max_operations is None else circuit.operations[:max_operations]
    for op in ops:
        qubits = list(op.qubits)
        if op.op == MEASURE:
            qc.measure(qubits, list(op.clbits))
        elif op.op == "BARRIER":
            qc.barrier(*(qubits or range(circuit.num_qubits)))
        elif op.op == "RESET":
            qc.reset(qubits)
        else:
            method = getattr(qc, GATES[op.op].qasm.lower())
            method(*(angle(v) for v in op.params), *qubits)
    return qc


class CircuitDrawing(StaticRepr, widgets.Image):
    """A circuit of an AQO document, drawn with Qiskit's matplotlib drawer.

    Example:
        >>> from eigen_engine import compile_source  # doctest: +SKIP
        >>> CircuitDrawing(compile_source(source).aqo)  # doctest: +SKIP
    """

    aqo = Dict(help="The AQO document holding the circuit.")
    circuit_id = Unicode("", help="Circuit to draw: 'main', an id under annotations.circuits, "
                         "or '' for the main circuit (the plan's first circuit if main is empty).")
    fold = Int(24, help="Wrap the drawing after this many gate columns (-1: never wrap).")
    max_operations = Int(150, min=1, help="Draw at most this many operations (a larger "
                         "drawing is slow and unreadable; the rest is summarised).")
    title = Unicode("", help="Caption under the drawing.")

    def __init__(self, aqo: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(aqo=dict(aqo or {}), format="png", **kwargs)
        self._render()

    @observe("aqo", "circuit_id", "fold", "max_operations")
    def _on_change(self, change: Any) -> None:
        self._render()

    def circuit(self) -> Circuit:
        """The decoded AQO circuit being drawn."""
        return pick_circuit(self.aqo, self.circuit_id)

    def quantum_circuit(self) -> QuantumCircuit:
        """The drawn circuit as a Qiskit ``QuantumCircuit`` (truncated to ``max_operations``)."""
        return to_quantum_circuit(self.circuit(), max_operations=self.max_operations)

    @property
    def truncated(self) -> bool:
        """Whether the circuit has more operations than are drawn."""
        return bool(self.aqo) and len(self.circuit().operations) > self.max_operations

    def _render(self) -> None:
        self.value = self.render_png() if self.aqo else b""

    def render_png(self) -> bytes:
        """Draw the circuit and return it as PNG bytes.

        Uses Qiskit's matplotlib drawer; without its optional ``pylatexenc`` dependency, the
        text drawing is rendered instead.
        """
        from qiskit.exceptions import MissingOptionalLibraryError

        qc = self.quantum_circuit()
        try:
            import matplotlib.pyplot as plt

            fig = qc.draw("mpl", fold=self.fold, scale=0.8)
        except MissingOptionalLibraryError:
            return self._text_png()
        try:
            return figure_png(fig, tight=True)
        finally:
            plt.close(fig)  # the drawer registers its figure with pyplot: never show it twice

    def _text_png(self) -> bytes:
        text = self.text()
        lines = text.splitlines() or [""]
        width = max(len(line) for line in lines)
        fig = new_figure(max(2.0, 0.075 * width + 0.4), max(1.0, 0.17 * len(lines) + 0.4))
        fig.text(0.01, 0.99, text, family="monospace", fontsize=9, va="top", ha="left")
        return figure_png(fig)

    def text(self) -> str:
        """The circuit as Qiskit's text drawing."""
        if not self.aqo:
            return "(no circuit)"
        fold = self.fold * 4 if self.fold > 0 else -1
        return str(self.quantum_circuit().draw("text", fold=fold))

    def describe(self) -> str:
        """One line: width, depth-ish size and parameters of the drawn circuit."""
        if not self.aqo:
            return "empty drawing"
        c = self.circuit()
        shown = f" (first {self.max_operations} drawn)" if self.truncated else ""
        params = f", parameters {', '.join(c.parameters)}" if c.parameters else ""
        return f"{c.num_qubits} qubits, {len(c.operations)} operations{shown}{params}"

    def static_bundle(self) -> dict[str, str]:
        """PNG of the drawing, HTML with it inline and a caption, and the text drawing."""
        if not self.aqo:
            return mimebundle("CircuitDrawing(empty)", "<em>no circuit</em>")
        png = bytes(self.value) if self.value else self.render_png()
        caption = f"{self.title} — {self.describe()}" if self.title else self.describe()
        html_text = (f"{img_html(png, caption)}"
                     f'<div style="color:#6b7280;font-size:12px">{escape(caption)}</div>')
        return mimebundle(f"{caption}\n{self.text()}", html_text, png)

    def __repr__(self) -> str:
        return f"CircuitDrawing({self.describe()})"

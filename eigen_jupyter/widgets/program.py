"""``ProgramSummary``: what a compiled program is (AQO summary) and its OpenQASM 3."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from eigen_jupyter.widgets.markup import escape, format_value, kv_table_html

__all__ = ["ProgramSummary", "summarize_aqo"]

_PRE = ("margin:4px 0;padding:6px 8px;background:var(--jp-layout-color2, #f8f8f8);"
        "font-family:var(--jp-code-font-family, monospace);font-size:12px;overflow-x:auto")


def summarize_aqo(aqo: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Key facts of an AQO document as (label, text) pairs, in display order."""
    meta = aqo.get("metadata") or {}
    ops = aqo.get("operations") or []
    gates = Counter(op.get("op", "?") for op in ops)
    annotations = aqo.get("annotations") or {}
    plan = (annotations.get("hybrid") or {}).get("nodes") or []
    rows = [
        ("entrypoint", str(meta.get("entrypoint", "-"))),
        ("kind", str(meta.get("kind", "-"))),
        ("qubits", str(aqo.get("qubits", "-"))),
        ("classical bits", str(meta.get("clbits", "-"))),
        ("operations", f"{len(ops)} ("
                       + ", ".join(f"{k} ×{v}" for k, v in sorted(gates.items())) + ")"),
    ]
    params = aqo.get("parameters") or {}
    if params:
        rows.append(("parameters", ", ".join(f"{k}={format_value(v)}" if v is not None else k
                                             for k, v in params.items())))
    circuits = annotations.get("circuits") or {}
    if set(circuits) - {"main"}:
        rows.append(("circuits", ", ".join(sorted(circuits))))
    if plan:
        rows.append(("hybrid plan", "; ".join(_node(n) for n in plan)))
    if meta.get("inputs"):
        rows.append(("inputs", format_value(meta["inputs"])))
    defaults = meta.get("program_defaults") or {}
    if defaults:
        rows.append(("program defaults", ", ".join(f"{k}={format_value(v)}"
                                                   for k, v in sorted(defaults.items()))))
    rows.append(("seed", f"{meta.get('seed', '-')} ({meta.get('seed_source', '-')})"))
    rows.append(("source sha256", str(meta.get("source_sha256", "-"))[:16] + "…"))
    return rows


def _node(node: Mapping[str, Any]) -> str:
    kind = node.get("kind", "?")
    if kind == "minimize":
        opts = node.get("options") or {}
        extra = ", ".join(f"{k}={v}" for k, v in sorted(opts.items()))
        return f"minimize[{node.get('method', '?')}{', ' + extra if extra else ''}]"
    if kind == "expectation":
        shots = node.get("shots")
        return f"expectation[{'exact' if shots is None else f'{shots} shots'}]"
    return str(kind)


class ProgramSummary:
    """A compiled program's AQO summary, its warnings and its OpenQASM 3, for display.

    Args:
        program: A ``CompiledProgram`` (anything with ``aqo``, ``qasm``, ``sha256`` and
            ``diagnostics``).
    """

    def __init__(self, program: Any) -> None:
        self.aqo: Mapping[str, Any] = program.aqo
        self.qasm: str = program.qasm
        self.sha256: str = str(getattr(program, "sha256", ""))
        self.warnings = tuple(getattr(program, "diagnostics", ()) or ())

    def rows(self) -> list[tuple[str, str]]:
        """The summary table."""
        rows = summarize_aqo(self.aqo)
        if self.sha256:
            rows.append(("AQO sha256", self.sha256[:16] + "…"))
        return rows

    def __str__(self) -> str:
        width = max(len(k) for k, _ in self.rows())
        lines = [f"{k.ljust(width)}  {v}" for k, v in self.rows()]
        lines += [f"warning {w.code}: {w.message}" for w in self.warnings]
        return "\n".join([*lines, "", "OpenQASM 3:", self.qasm.rstrip()])

    def _repr_html_(self) -> str:
        warnings = "".join(
            f'<div style="color:#b45309">warning {escape(w.code)}: {escape(w.message)}</div>'
            for w in self.warnings)
        return (f"<div>{kv_table_html(self.rows())}{warnings}"
                f'<details open><summary style="cursor:pointer">OpenQASM 3</summary>'
                f'<pre style="{_PRE}">{escape(self.qasm)}</pre></details></div>')

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/plain": str(self), "text/html": self._repr_html_()}

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def __repr__(self) -> str:
        meta = self.aqo.get("metadata") or {}
        return (f"ProgramSummary({meta.get('entrypoint', '?')}: {self.aqo.get('qubits')} qubits, "
                f"{len(self.aqo.get('operations') or [])} operations)")

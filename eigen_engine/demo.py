"""``make demo``: compile every example program, then run the sampling ones on Aer and Cirq.

Run with ``python -m eigen_engine.demo``. Each program is compiled (never executed): the
summary shows its circuit size, whether it is a sampling or a hybrid program, its hashes and
any warnings. Sampling programs then run on the Aer and Cirq simulators through the drivers,
and their counts are printed as a small text histogram.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eigen_engine.compiler import compile_source
from eigen_engine.errors import CompileError
from eigen_engine.jobspec import load_jobspec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def main() -> int:
    """Compile the examples; return a process exit code."""
    programs = sorted(EXAMPLES.glob("*/program.eigen.py"))
    if not programs:
        print(f"no examples found under {EXAMPLES}", file=sys.stderr)
        return 1
    failures = 0
    print(f"Compiling {len(programs)} example programs (AST only, nothing is executed)\n")
    for path in programs:
        job = path.with_name("job.yaml")
        inputs = load_jobspec(job).inputs if job.exists() else None
        try:
            prog = compile_source(path.read_bytes(), seed=7, inputs=inputs,
                                  filename=str(path.relative_to(EXAMPLES.parent)))
        except CompileError as exc:
            failures += 1
            print(f"  {path.parent.name:<12} FAILED")
            for d in exc.diagnostics:
                print(f"      {d.format(str(path))}")
            continue
        nodes = prog.aqo.get("annotations", {}).get("hybrid", {}).get("nodes", [])
        plan = ", ".join(f"{n['kind']}" for n in nodes) or "-"
        print(f"  {path.parent.name:<12} {prog.kind:<8} qubits={prog.num_qubits:<3} "
              f"ops={len(prog.aqo['operations']):<4} plan=[{plan}]  aqo={prog.sha256[:12]}")
        for d in prog.diagnostics:
            print(f"      {d.code} line {d.line}: {d.message}")
    bell = EXAMPLES / "bell" / "program.eigen.py"
    if bell.exists():
        print("\nOpenQASM 3 of examples/bell:\n")
        print(compile_source(bell.read_bytes()).qasm)
    for name in ("bell", "ghz"):
        path = EXAMPLES / name / "program.eigen.py"
        if path.exists():
            _run_on_simulators(name, compile_source(path.read_bytes(), seed=7).aqo)
    return 1 if failures else 0


def _run_on_simulators(name: str, aqo: Mapping[str, Any]) -> None:
    from eigen_engine.drivers import resolve_target

    shots = 1024
    for target in ("aer", "cirq"):
        driver, device = resolve_target(target)
        result = driver.execute_circuit(device, aqo, shots=shots, options={"seed": 7})
        print(f"\n{name} on {device} ({shots} shots, seed 7, "
              f"{result.metadata.get('time_taken', 0) * 1e3:.1f} ms):")
        for bits, count in sorted(result.counts.items(), key=lambda kv: -kv[1])[:6]:
            print(f"  {bits}  {count:5d}  {'#' * round(40 * count / shots)}")


if __name__ == "__main__":
    raise SystemExit(main())

"""``make demo``: compile every example program, then run every example job on the engine.

Run with ``python -m eigen_engine.demo``. Each program is compiled (never executed): the
summary shows its circuit size, whether it is a sampling or a hybrid program, its hashes and
any warnings. Then every ``examples/*/job.yaml`` is submitted to an embedded engine (home:
``$EIGEN_HOME`` or the Jupyter data dir, so the jobs show up later in JupyterLab's side
panel), Bell also on Cirq, and the counts and outputs are printed.
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
    return _run_jobs() + (1 if failures else 0)


def _run_jobs() -> int:
    from eigen_engine.engine import Engine

    job_files = sorted(EXAMPLES.glob("*/job.yaml"))
    with Engine() as engine:
        print(f"Running {len(job_files) + 1} example jobs on the embedded engine "
              f"(home {engine.home})\n")
        jobs = [(f.parent.name, engine.submit(spec=str(f))) for f in job_files]
        jobs.append(("bell on cirq", engine.submit(spec=str(EXAMPLES / "bell" / "job.yaml"),
                                                   target="cirq")))
        failed = 0
        for name, job in jobs:
            record = job.wait(600)
            took = (record.finished_at or record.created_at) - record.created_at
            print(f"{name} [{job.id}, {record.target}] {record.state.value} in {took:.2f} s")
            if record.state.value != "DONE":
                failed += 1
                print(f"  {record.error_message}")
                continue
            _show(job.result())
    return 1 if failed else 0


def _show(result: Any) -> None:
    if result.counts:
        shots = sum(result.counts.values())
        for bits, count in sorted(result.counts.items(), key=lambda kv: -kv[1])[:6]:
            print(f"  {bits}  {count:5d}  {'#' * round(40 * count / shots)}")
    if isinstance(result.outputs, Mapping):
        for key, value in result.outputs.items():
            text = repr(value)
            print(f"  {key} = {text if len(text) < 70 else text[:67] + '...'}")
    print()


if __name__ == "__main__":
    raise SystemExit(main())

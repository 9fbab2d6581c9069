"""The embedded engine against raw Qiskit Aer, side by side in one run (issue 3).

- Bell job submit -> DONE, warm, against raw Aer with a cached pass manager (build + run +
  counts; target: engine within 3x) and against the naive user path (``transpile`` then
  ``run`` each time; target: engine faster).
- 1,000 small jobs submitted at once until all are DONE, against a raw sequential Aer loop
  over the same circuits (target: throughput at least 50% of the loop's).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import Suite

from eigen_engine.engine import Engine

ROOT = Path(__file__).parents[1]
BELL = (ROOT / "examples" / "bell" / "program.eigen.py").read_text()
SHOTS = 1024
N_JOBS = 1000


def _bell_circuit():  # type: ignore[no-untyped-def]
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return qc


def main() -> None:
    from qiskit import transpile
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_aer import AerSimulator

    suite = Suite("engine")
    backend = AerSimulator(max_parallel_threads=1)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)

    def raw_cached() -> dict[str, int]:
        qc = pm.run(_bell_circuit())
        return backend.run(qc, shots=SHOTS, seed_simulator=1).result().get_counts()

    def raw_naive() -> dict[str, int]:
        qc = transpile(_bell_circuit(), backend)
        return backend.run(qc, shots=SHOTS, seed_simulator=1).result().get_counts()

    with tempfile.TemporaryDirectory() as home, Engine(home, workers=1) as engine:
        engine.submit(BELL, seed=1, shots=SHOTS).result(120)  # start the worker, warm caches

        def ours() -> object:
            return engine.submit(BELL, seed=1, shots=SHOTS).result(60).counts

        cached = suite.measure("raw Aer, cached pass manager (build+run+counts)", raw_cached,
                               repeat=50, warmup=5)
        naive = suite.measure("raw Aer, transpile() + run each time", raw_naive,
                              repeat=20, warmup=2)
        engine_m = suite.measure("engine: Bell submit -> DONE (warm, 1 worker)", ours,
                                 repeat=50, warmup=5)
        suite.ratio("engine / raw cached pass manager", engine_m, cached, target="<= 3")
        suite.ratio("engine / naive transpile+run", engine_m, naive, target="< 1")

    circuits = [_bell_circuit() for _ in range(N_JOBS)]

    def raw_loop() -> None:
        for qc in circuits:
            backend.run(pm.run(qc), shots=SHOTS, seed_simulator=1).result().get_counts()

    loop = suite.measure(f"raw Aer loop over {N_JOBS} Bell circuits", raw_loop,
                         repeat=3, warmup=1)
    for workers in (1, 2):
        with tempfile.TemporaryDirectory(dir=os.environ.get("EIGEN_BENCH_TMP")) as home, \
            Engine(home, workers=workers) as engine:
            engine.submit(BELL, seed=1, shots=SHOTS).result(120)

            def many() -> None:
                # The same circuit and seed as the raw loop below, one job each.
                jobs = engine.submit_many({"source": BELL, "seed": 1, "shots": SHOTS}
                                          for _ in range(N_JOBS))
                for job in jobs:
                    job.wait(600)

            started = time.perf_counter()
            batch = suite.measure(f"engine: {N_JOBS} jobs submitted at once -> all DONE "
                                  f"({workers} worker{'s' if workers > 1 else ''})",
                                  many, repeat=3, warmup=1)
            suite.ratio(f"engine {N_JOBS} jobs / raw loop ({workers}w)", batch, loop,
                        target="<= 2 (throughput >= 50%)")
            suite.note(f"{workers} worker(s): throughput {N_JOBS / batch.median:.0f} jobs/s vs "
                       f"raw {N_JOBS / loop.median:.0f} circuits/s "
                       f"({time.perf_counter() - started:.1f} s for this part)")
    suite.report()


if __name__ == "__main__":
    main()

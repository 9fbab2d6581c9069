"""The hybrid runtime: runs an AQO's hybrid plan (expectation values, optimizers, sampling,
sweeps) against a driver inside the job's worker, and evaluates the program's outputs.

Importing this package imports no simulator and not scipy; they load on first use.

Example:
    >>> from eigen_engine.runtime import RunSettings, run_plan
    >>> outcome = run_plan(aqo, driver, RunSettings("aer", shots=1024, seed=7))  # doctest: +SKIP
    >>> outcome.outputs, outcome.counts, outcome.metadata  # doctest: +SKIP
"""

from eigen_engine.runtime.hybrid import PlanOutcome, RunHooks, RunSettings, run_plan

__all__ = ["PlanOutcome", "RunHooks", "RunSettings", "run_plan"]

"""Storing a finished job: ``results.json``, a captured state, then ``meta.json``.

The engine stores what a worker sends back; a worker that shares the engine home's
filesystem (the local process pool) stores it itself, given a :class:`ResultStorage`, so the
files of many small jobs are written in parallel by the workers instead of one after another
by the engine. Both go through :func:`store_outcome`, so the files are the same either way.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from eigen_engine.qfs.artifacts import ArtifactStore, KnownHashes
from eigen_engine.qfs.state_store import StateStore

__all__ = [
    "JobFacts",
    "ResultStorage",
    "result_document",
    "store_in_worker",
    "store_outcome",
    "versions",
]

_PACKAGES = ("eigen-jupyter", "qiskit", "qiskit-aer", "cirq-core", "numpy", "scipy")
_VERSIONS: dict[str, str] = {}


def versions() -> dict[str, str]:
    """Installed versions of eigen and the simulator stack (read once, without importing)."""
    if not _VERSIONS:
        for package in _PACKAGES:
            try:
                _VERSIONS[package] = version(package)
            except PackageNotFoundError:
                _VERSIONS[package] = "not installed"
    return dict(_VERSIONS)


def result_document(
    job_id: str,
    state: str,
    counts: Mapping[str, int] | None,
    outputs: Any,
    metadata: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``results.json`` document (also the REST results payload and ``--json`` output)."""
    return {
        "job_id": job_id,
        "state": state,
        "results": {
            "counts": None if counts is None else dict(counts),
            "outputs": outputs,
            "metadata": dict(metadata),
        },
    }


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What ``meta.json`` records of a job beside its files (known when it starts running).

    Attributes:
        job_id: The job.
        seed: The job seed.
        target: The device it ran on.
        attempt: Which attempt this is (1 for the first).
        source_sha256: sha256 of the program.
        aqo_sha256: sha256 of the compiled AQO.
        qubits: Width of the main circuit (recorded with a captured state).
        created_at: Wall-clock time of the submission.
        running_at: Wall-clock time the job went RUNNING.
        compile_s: Compile time at submission (``None``: compiled by an earlier process).
        queued_s: Time spent QUEUED before this attempt started.
    """

    job_id: str
    seed: int | None
    target: str | None
    attempt: int
    source_sha256: str | None
    aqo_sha256: str | None
    qubits: int | None
    created_at: float
    running_at: float
    compile_s: float | None = None
    queued_s: float | None = None


@dataclass(frozen=True, slots=True)
class ResultStorage:
    """Instructions for a worker to store its job's outcome itself (picklable plain data).

    Attributes:
        home: The engine home (on a filesystem the worker shares with the engine).
        fsync: Flush every file before returning ("strict" durability); otherwise the
            engine's group commit flushes them when the outcome arrives.
        facts: What ``meta.json`` records beside the files.
        known: Hashes of the files written at submission, so they are not read again.
    """

    home: str
    fsync: bool
    facts: JobFacts
    known: KnownHashes = field(default_factory=dict)


def store_outcome(
    store: ArtifactStore, states: StateStore, facts: JobFacts, outcome: Mapping[str, Any]
) -> None:
    """Write a successful outcome's ``results.json`` (and captured state), then ``meta.json``.

    Args:
        store: The home's artifact store.
        states: The home's L2 state store (used only when the outcome carries a state).
        facts: The job's facts for ``meta.json``.
        outcome: A worker's successful outcome dict (``counts``, ``outputs``, ``metadata``,
            ``timings``, ``state``).

    Raises:
        OSError, EigenError: a file could not be written.
    """
    job_id = facts.job_id
    # A writer killed mid-write (an earlier attempt, an engine that died) may have left
    # temps; only we write here now.
    store.clean_temps(job_id)
    metadata = dict(outcome.get("metadata") or {})
    captured = outcome.get("state")
    if captured:
        import numpy as np

        array = np.load(io.BytesIO(captured["npy"]), allow_pickle=False)
        metadata["state_sha256"] = states.put(
            array, {"job_id": job_id, "kind": captured["kind"], "qubits": facts.qubits}
        )
    document = result_document(job_id, "DONE", outcome.get("counts"), outcome.get("outputs"),
                               metadata)
    store.write_json(job_id, "results.json", document)
    now = time.time()
    store.write_meta(
        job_id,
        {
            "versions": versions(),
            "seeds": {"job": facts.seed, "simulator": metadata.get("seed")},
            "target": facts.target,
            "attempt": facts.attempt,
            "source_sha256": facts.source_sha256,
            "aqo_sha256": facts.aqo_sha256,
            "timings": {
                "compile_s": facts.compile_s,
                "queued_s": facts.queued_s,
                "run_s": now - facts.running_at,
                "total_s": now - facts.created_at,
                **dict(outcome.get("timings") or {}),
            },
        },
    )


class _Unflushed:
    """Group-commit stand-in inside a worker: the engine flushes when the outcome arrives."""

    def mark(self) -> None:
        """Nothing to do here (see the class docstring)."""


_WORKER_STORES: dict[tuple[str, bool], tuple[ArtifactStore, StateStore]] = {}
_WORKER_LOCK = threading.Lock()


def store_in_worker(storage: ResultStorage, outcome: Mapping[str, Any]) -> None:
    """Store a successful outcome from inside a worker (see :func:`store_outcome`).

    Raises:
        OSError, EigenError: a file could not be written.
    """
    key = (os.fspath(storage.home), storage.fsync)
    with _WORKER_LOCK:
        stores = _WORKER_STORES.get(key)
        if stores is None:
            sync = None if storage.fsync else _Unflushed()
            stores = (ArtifactStore(storage.home, sync=sync), StateStore(storage.home))
            _WORKER_STORES[key] = stores
    store, states = stores
    store.remember_hashes(storage.facts.job_id, storage.known)
    store_outcome(store, states, storage.facts, outcome)

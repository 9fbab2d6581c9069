"""L2 state store: content-addressed numpy arrays (statevectors, density matrices)."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from eigen_engine.errors import ErrorDetail, InvalidArgument, NotFound, StorageError
from eigen_engine.ir.canonical import sha256_hex
from eigen_engine.qfs.atomic import write_atomic

__all__ = ["StateStore"]

_SHA256 = re.compile(r"[0-9a-f]{64}")


class StateStore:
    """Arrays captured from simulations, stored once per content under ``state_store/``.

    An array is addressed by the sha256 of its ``.npy`` encoding (dtype, shape and bytes), so
    storing the same state twice costs nothing. Each array has a JSON sidecar with its dtype,
    shape and the caller's metadata; the metadata of the first ``put`` of a content is kept.
    Object arrays are refused: loading never unpickles anything.

    Layout: ``<home>/state_store/<sha[:2]>/<sha>.npy`` and ``<sha>.json``, both written
    atomically (sidecar last, so a sidecar always has its array).

    Example:
        >>> store = StateStore(home)
        >>> sha = store.put(statevector, {"job_id": "j-0123456789ab", "kind": "statevector"})
        >>> array, meta = store.get(sha)
    """

    def __init__(self, home: str | os.PathLike[str]) -> None:
        """Open (lazily creating) the state store of the engine home ``home``."""
        self.root = Path(home) / "state_store"

    def put(self, array: npt.ArrayLike, metadata: Mapping[str, Any] | None = None) -> str:
        """Store an array (if this content is new) and return its sha256.

        Args:
            array: A numeric or boolean array (complex statevectors included).
            metadata: JSON-serializable facts about it (job id, qubits, kind, ...).

        Raises:
            ValueError: the array has an object dtype, or the metadata is not JSON.
        """
        data = np.ascontiguousarray(array)
        if data.dtype.hasobject:
            raise ValueError("object arrays cannot be stored; convert to a numeric dtype first")
        buffer = io.BytesIO()
        np.save(buffer, data, allow_pickle=False)
        payload = buffer.getvalue()
        sha = sha256_hex(payload)
        sidecar = {
            "sha256": sha,
            "dtype": data.dtype.str,
            "shape": list(data.shape),
            "size_bytes": len(payload),
            "metadata": dict(metadata or {}),
        }
        sidecar_bytes = json.dumps(sidecar, indent=2, sort_keys=True, allow_nan=False).encode()
        npy_path, json_path = self._paths(sha)
        if json_path.is_file():
            return sha  # already stored (dedup)
        npy_path.parent.mkdir(parents=True, exist_ok=True)
        if not npy_path.is_file():
            write_atomic(npy_path, payload)
        write_atomic(json_path, sidecar_bytes)
        return sha

    def get(self, sha: str) -> tuple[npt.NDArray[Any], dict[str, Any]]:
        """Return ``(array, metadata)`` of a stored content.

        Raises:
            InvalidArgument: ``sha`` is not a lowercase hex sha256.
            NotFound: nothing is stored under ``sha``.
            StorageError: the stored bytes no longer match their sha256.
        """
        npy_path, json_path = self._paths(sha)
        try:
            payload = npy_path.read_bytes()
            sidecar = json.loads(json_path.read_bytes())
        except FileNotFoundError:
            raise NotFound(f"no state {sha} in {self.root}") from None
        if sha256_hex(payload) != sha:
            raise StorageError(f"state {sha} in {self.root} is corrupt: its sha256 changed")
        array = np.load(io.BytesIO(payload), allow_pickle=False)
        return array, dict(sidecar.get("metadata", {}))

    def __contains__(self, sha: object) -> bool:
        return (
            isinstance(sha, str) and bool(_SHA256.fullmatch(sha)) and self._paths(sha)[1].is_file()
        )

    def _paths(self, sha: str) -> tuple[Path, Path]:
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
            message = f"{sha!r} is not a state id; state ids are 64 lowercase hex digits"
            raise InvalidArgument(message, details=[ErrorDetail(field="sha256", message=message)])
        directory = self.root / sha[:2]
        return directory / f"{sha}.npy", directory / f"{sha}.json"

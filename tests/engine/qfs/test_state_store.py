"""The L2 state store: content-addressed arrays with metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eigen_engine.errors import InvalidArgument, NotFound, StorageError
from eigen_engine.qfs.state_store import StateStore


@pytest.fixture
def states(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path)


def bell_statevector() -> np.ndarray:
    return np.array([1, 0, 0, 1], dtype=np.complex128) / np.sqrt(2)


@pytest.mark.parametrize(
    "array",
    [bell_statevector(), np.outer(bell_statevector(), bell_statevector().conj()),
     np.arange(6, dtype=np.float32).reshape(2, 3), np.array([True, False])],
    ids=["statevector", "density-matrix", "float32-2d", "bool"],
)  # fmt: skip
def test_round_trip(states: StateStore, array: np.ndarray) -> None:
    sha = states.put(array, {"job_id": "j-0123456789ab", "qubits": 2})
    back, meta = states.get(sha)
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert meta == {"job_id": "j-0123456789ab", "qubits": 2}
    assert sha in states


def test_layout_and_dedup(states: StateStore, tmp_path: Path) -> None:
    first = states.put(bell_statevector(), {"job_id": "j-aaaaaaaaaaaa"})
    second = states.put(bell_statevector().copy(), {"job_id": "j-bbbbbbbbbbbb"})
    assert first == second
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == [
        f"state_store/{first[:2]}/{first}.json",
        f"state_store/{first[:2]}/{first}.npy",
    ]
    assert states.get(first)[1] == {"job_id": "j-aaaaaaaaaaaa"}  # the first put's metadata


def test_content_includes_dtype_and_shape(states: StateStore) -> None:
    data = np.zeros(4)
    assert states.put(data) != states.put(data.astype(np.float32))
    assert states.put(data) != states.put(data.reshape(2, 2))
    assert states.put(np.asfortranarray(np.eye(3))) == states.put(np.eye(3))


def test_object_arrays_are_refused(states: StateStore) -> None:
    with pytest.raises(ValueError, match="object"):
        states.put(np.array([{"a": 1}], dtype=object))


@pytest.mark.parametrize(
    "sha",
    ["../x", "a" * 63, "A" * 64, "", "g" * 64],
    ids=["escape", "short", "upper", "empty", "hex"],
)
def test_bad_ids_are_refused(states: StateStore, sha: str) -> None:
    with pytest.raises(InvalidArgument):
        states.get(sha)
    assert sha not in states


def test_missing_and_corrupt(states: StateStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        states.get("0" * 64)
    sha = states.put(np.arange(3.0))
    npy = tmp_path / "state_store" / sha[:2] / f"{sha}.npy"
    npy.write_bytes(npy.read_bytes()[:-8] + b"\x00" * 8)
    with pytest.raises(StorageError, match="corrupt"):
        states.get(sha)

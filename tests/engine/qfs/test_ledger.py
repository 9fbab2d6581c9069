"""The L1 resource ledger: admission accounting for memory and qubits."""

from __future__ import annotations

import random
import threading

import pytest

from eigen_engine.qfs.ledger import (
    HEADROOM,
    Holding,
    ResourceLedger,
    available_memory_bytes,
    default_capacity_bytes,
)

GIB = 1 << 30


def test_acquire_and_release_account_for_memory() -> None:
    ledger = ResourceLedger(capacity_bytes=4 * GIB)
    assert ledger.try_acquire("j-aaaaaaaaaaaa", 3 * GIB, 27)
    assert not ledger.try_acquire("j-bbbbbbbbbbbb", 2 * GIB, 26)  # 5 GiB > 4 GiB
    assert ledger.try_acquire("j-cccccccccccc", GIB, 26)
    assert ledger.used_bytes == 4 * GIB and ledger.free_bytes == 0
    assert ledger.used_qubits == 53
    assert ledger.held() == {
        "j-aaaaaaaaaaaa": Holding("j-aaaaaaaaaaaa", 3 * GIB, 27),
        "j-cccccccccccc": Holding("j-cccccccccccc", GIB, 26),
    }
    assert ledger.release("j-aaaaaaaaaaaa")
    assert not ledger.release("j-aaaaaaaaaaaa")  # idempotent
    assert ledger.try_acquire("j-bbbbbbbbbbbb", 2 * GIB, 26)
    assert ledger.used_bytes == 3 * GIB


def test_qubit_capacity() -> None:
    ledger = ResourceLedger(capacity_bytes=GIB, capacity_qubits=10)
    assert ledger.try_acquire("j-aaaaaaaaaaaa", 0, 6)
    assert not ledger.try_acquire("j-bbbbbbbbbbbb", 0, 5)
    assert ledger.try_acquire("j-bbbbbbbbbbbb", 0, 4)
    assert not ledger.fits_ever(0, 11)
    assert ledger.fits_ever(GIB, 10)
    assert not ledger.fits_ever(GIB + 1)


def test_misuse_raises() -> None:
    ledger = ResourceLedger(capacity_bytes=GIB)
    assert ledger.try_acquire("j-aaaaaaaaaaaa", 1, 1)
    with pytest.raises(ValueError, match="already holds"):
        ledger.try_acquire("j-aaaaaaaaaaaa", 1, 1)
    with pytest.raises(ValueError):
        ledger.try_acquire("j-bbbbbbbbbbbb", -1, 0)
    with pytest.raises(ValueError):
        ResourceLedger(capacity_bytes=-1)


def test_default_capacity_leaves_headroom() -> None:
    available = available_memory_bytes()
    assert available > 0
    capacity = default_capacity_bytes()
    assert 0 < capacity <= available * (1 - HEADROOM) * 1.05  # memory moves between reads
    assert ResourceLedger().capacity_bytes > 0


def test_concurrent_use_never_overcommits() -> None:
    ledger = ResourceLedger(capacity_bytes=100)
    peak: list[int] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for i in range(500):
            job = f"j-{seed:02x}{i:010x}"
            if ledger.try_acquire(job, rng.randint(1, 40), 1):
                peak.append(ledger.used_bytes)
                ledger.release(job)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(peak) <= 100
    assert ledger.used_bytes == 0 and ledger.used_qubits == 0 and ledger.held() == {}

"""The scheduler lease: at most one process runs the jobs of an engine home at a time."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path

__all__ = ["LEASE_FILE", "SchedulerLease"]

LEASE_FILE = "scheduler.lock"


class SchedulerLease:
    """An exclusive, non-blocking ``flock`` on ``<home>/scheduler.lock``.

    Every engine on a home may submit, read and cancel jobs (the SQLite index is shared),
    but only the holder of the lease dispatches them to workers and recovers the jobs of a
    holder that died. The operating system drops the lock when its process exits, however it
    exits (SIGKILL included), so a later engine can always take over.

    Attributes:
        path: The lock file.
    """

    def __init__(self, home: str | os.PathLike[str]) -> None:
        self.path = Path(home) / LEASE_FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lease."""
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lease if it is free; return whether this object holds it now."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        # Who holds it, for people and for `eigen` diagnostics (the lock itself is the flock).
        info = json.dumps({"pid": os.getpid(), "since": time.time()}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, info, 0)
        self._fd = fd
        return True

    def holder(self) -> dict[str, float] | None:
        """Return ``{"pid", "since"}`` of the current holder as last recorded, if any."""
        try:
            data = json.loads(self.path.read_bytes() or b"null")
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def release(self) -> None:
        """Give the lease up (safe to call when not held)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

"""Atomic file writes (temp file + fsync + rename + directory fsync) and file hashing."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from pathlib import Path

__all__ = [
    "TEMP_SUFFIX",
    "BackgroundSync",
    "fsync_dir",
    "remove_stale_temps",
    "sha256_file",
    "write_atomic",
]

TEMP_SUFFIX = ".qfs-tmp"
"""Suffix of in-flight temp files; a crash can leave one behind, never a partial target."""

_CHUNK = 1 << 20


def fsync_dir(directory: str | os.PathLike[str]) -> None:
    """Flush a directory's entries to disk, so a rename or create in it survives a crash."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644, fsync: bool = True
) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new, never a mix.

    The bytes go to a temp file in the same directory, which is fsynced and renamed over the
    target with ``os.replace``; the directory is then fsynced so the rename is durable. If the
    writer dies at any point, the target holds its old content (or does not exist) and at most
    a ``*.qfs-tmp`` file is left, which :func:`remove_stale_temps` cleans up.

    Args:
        path: The file to write; its directory must exist.
        data: The complete new content.
        mode: Permission bits of the new file.
        fsync: Flush file and directory before returning. Without it the replacement is still
            atomic for every reader and survives the writer's process dying at any point;
            only an OS crash can lose it (see :class:`BackgroundSync`).

    Raises:
        OSError: the directory is missing or not writable, or the disk is full.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            if fsync:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if fsync:
        fsync_dir(target.parent)


class BackgroundSync:
    """Group commit for files written with ``fsync=False``: one ``os.sync()`` per interval.

    Per-file fsync costs ~0.5 ms here, more than running a small circuit, so the engine
    writes artifacts atomically without it and this thread flushes everything written in
    the last ``interval`` seconds in one call — the same promise as SQLite's
    ``synchronous=NORMAL``: nothing is ever torn, a process crash loses nothing, an OS crash
    at most the last interval.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self._interval = interval
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def mark(self) -> None:
        """Note that something was written; it is flushed within ``interval`` seconds."""
        self._dirty.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stop.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="eigen-qfs-sync", daemon=True
                    )
                    self._thread.start()

    def close(self) -> None:
        """Flush what is pending and stop the thread."""
        self._stop.set()
        self._dirty.set()
        thread = self._thread
        if thread is not None:
            thread.join()
        elif self._dirty.is_set():
            os.sync()

    def _run(self) -> None:
        while True:
            self._dirty.wait()
            stopping = self._stop.wait(self._interval)
            self._dirty.clear()
            os.sync()
            if stopping or self._stop.is_set():
                return


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the hex sha256 of a file's content, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def remove_stale_temps(directory: str | os.PathLike[str]) -> list[Path]:
    """Delete temp files left in ``directory`` by writers that died; return what was removed.

    Call it only when no writer can be active in the directory (e.g. during recovery).
    """
    removed: list[Path] = []
    root = Path(directory)
    if not root.is_dir():
        return removed
    for entry in root.iterdir():
        if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX) and entry.is_file():
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed

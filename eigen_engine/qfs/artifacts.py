"""L3 CircuitFS: the per-job artifact files of RFC 0011 under ``circuit_fs/<job_id>/``."""

from __future__ import annotations

import builtins
import contextlib
import errno
import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from eigen_engine.errors import ErrorDetail, InvalidArgument, NotFound, StorageError
from eigen_engine.ir.canonical import sha256_hex
from eigen_engine.qfs.atomic import (
    TEMP_SUFFIX,
    fsync_dir,
    remove_stale_temps,
    sha256_file,
    write_atomic,
)
from eigen_engine.qrtx.records import validate_job_id

__all__ = [
    "ARTIFACT_NAMES",
    "META_NAME",
    "META_VERSION",
    "ArtifactMismatch",
    "ArtifactStore",
    "KnownHashes",
    "SyncMarker",
]

ARTIFACT_NAMES: frozenset[str] = frozenset(
    {
        "program.eigen.py",  # the program's original bytes
        "input.job.yaml",  # the job file as submitted, when there was one (RFC 0007)
        "job.yaml",  # the resolved JobSpec (flags > job.yaml > source defaults applied)
        "compiled.aqo.json",  # canonical AQO bytes
        "compiled.qasm",  # OpenQASM 3 of the main circuit
        "results.json",  # the job's result (Result.to_dict())
        "meta.json",  # sha256 of every other artifact, versions, seeds, stage timings
        "iterations.jsonl",  # one JSON object per optimizer iteration (hybrid jobs)
    }
)
"""Every file name a job directory may hold; any other name is refused."""

META_NAME = "meta.json"
META_VERSION = "1.0.0"
_RESERVED_META_KEYS = frozenset({"meta_version", "job_id", "artifacts"})
_BLOBS = "blobs"
_SHAREABLE = frozenset({"program.eigen.py", "compiled.aqo.json", "compiled.qasm"})
_HASH_MEMORY_JOBS = 20_000  # jobs whose written-file hashes are remembered for meta.json
_BLOB_MEMORY = 100_000  # blobs remembered as present

KnownHashes = dict[str, tuple[str, int, int]]
"""Hashes of files a store wrote: ``{name: (sha256, size, mtime_ns)}``."""


class SyncMarker(Protocol):
    """Group commit: told after each write that something awaits a flush to disk."""

    def mark(self) -> None:
        """Note that something was written."""


@dataclass(frozen=True, slots=True)
class ArtifactMismatch:
    """One artifact whose bytes do not match what ``meta.json`` recorded.

    Attributes:
        name: The artifact's file name.
        expected: sha256 recorded in ``meta.json`` (``None``: not recorded).
        actual: sha256 of the file on disk (``None``: the file is missing).
    """

    name: str
    expected: str | None
    actual: str | None

    @property
    def reason(self) -> str:
        """``"missing"``, ``"modified"`` or ``"unrecorded"``."""
        if self.actual is None:
            return "missing"
        return "unrecorded" if self.expected is None else "modified"

    def __str__(self) -> str:
        if self.reason == "missing":
            return f"{self.name} is listed in meta.json but missing"
        if self.reason == "unrecorded":
            return f"{self.name} exists but meta.json does not record it"
        return f"{self.name} was modified: sha256 {self.actual} != recorded {self.expected}"


class ArtifactStore:
    """Files of each job under ``<home>/circuit_fs/<job_id>/``, written atomically.

    Job ids and artifact names are validated before any path is built, so no caller-supplied
    string can reach outside the job's directory. Every whole-file write is atomic (see
    :func:`~eigen_engine.qfs.atomic.write_atomic`); ``iterations.jsonl`` is appended a
    complete line at a time, and a line torn by a crash is ignored by readers and cut off by
    the next append.

    Example:
        >>> store = ArtifactStore(home)
        >>> store.write("j-0123456789ab", "program.eigen.py", source_bytes)
        >>> store.write_meta("j-0123456789ab", {"versions": {"eigen": "0.1.0"}})
        >>> store.verify("j-0123456789ab")
        []
    """

    def __init__(
        self, home: str | os.PathLike[str], *, sync: SyncMarker | None = None
    ) -> None:
        """Open (lazily creating) the artifact area of the engine home ``home``.

        Args:
            home: The engine home.
            sync: Group commit (a :class:`~eigen_engine.qfs.atomic.BackgroundSync`). Without
                one, every write is fsynced before it returns; with one, writes are atomic at
                once and flushed to disk by it.
        """
        self.home = Path(home)
        self.root = self.home / "circuit_fs"
        self._append_lock = threading.Lock()
        self._sync = sync
        self._hash_lock = threading.Lock()
        self._hashes: dict[str, KnownHashes] = {}
        self._blobs: set[str] = set()  # blobs known to exist (saves a stat per link)

    def job_dir(self, job_id: str) -> Path:
        """Return the directory of a job (it may not exist yet).

        Raises:
            InvalidArgument: ``job_id`` is not a job id.
        """
        return self.root / validate_job_id(job_id)

    def path(self, job_id: str, name: str) -> Path:
        """Return the path of one artifact.

        Raises:
            InvalidArgument: ``job_id`` is not a job id or ``name`` is not an artifact name.
        """
        if name not in ARTIFACT_NAMES:
            known = ", ".join(sorted(ARTIFACT_NAMES))
            message = f"{name!r} is not an artifact name; use one of: {known}"
            raise InvalidArgument(message, details=[ErrorDetail(field="name", message=message)])
        return self.job_dir(job_id) / name

    def write(self, job_id: str, name: str, data: bytes) -> str:
        """Write an artifact atomically (replacing any previous version); return its sha256.

        Programs and compiled files that many jobs share (the same source submitted again)
        are stored once under ``<home>/blobs/`` and hard-linked into each job directory:
        creating a file costs ~0.3 ms of kernel time on common disks, a link ~0.01 ms. Files
        are never modified in place (always replaced), so sharing an inode is safe.
        """
        target = self.path(job_id, name)
        self._ensure_dir(target.parent)
        sha = sha256_hex(data)
        if not (name in _SHAREABLE and self._link_blob(sha, data, target)):
            write_atomic(target, data, fsync=self._sync is None)
        if self._sync is not None:
            self._sync.mark()
        self._remember(job_id, name, target, sha)
        return sha

    def _link_blob(self, sha: str, data: bytes, target: Path) -> bool:
        """Link ``target`` to the content-addressed copy of ``data``; ``False`` if this
        filesystem cannot (then the caller writes the file itself)."""
        blob = self.home / _BLOBS / sha
        tmp: Path | None = None
        try:
            if sha not in self._blobs:  # (blobs are never removed while an engine runs)
                if not blob.is_file():
                    blob.parent.mkdir(parents=True, exist_ok=True)
                    write_atomic(blob, data, mode=0o444, fsync=self._sync is None)
                if len(self._blobs) >= _BLOB_MEMORY:
                    self._blobs.clear()
                self._blobs.add(sha)
            try:
                os.link(blob, target)  # a new name: appears complete, at once
            except FileExistsError:  # replacing a file: link aside, then rename over it
                tmp = target.parent / (
                    f".{target.name}.{os.getpid()}.{threading.get_ident()}{TEMP_SUFFIX}"
                )
                os.link(blob, tmp)
                os.replace(tmp, target)
        except OSError:  # no hard links here, too many links to one inode, ...
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            self._blobs.discard(sha)
            return False
        if self._sync is None:
            fsync_dir(target.parent)
        return True

    def write_json(self, job_id: str, name: str, doc: Any) -> str:
        """Write ``doc`` as indented, key-sorted, strict JSON; return the file's sha256."""
        text = json.dumps(doc, indent=2, sort_keys=True, allow_nan=False) + "\n"
        return self.write(job_id, name, text.encode("utf-8"))

    def _remember(self, job_id: str, name: str, path: Path, sha: str) -> None:
        info = path.stat()
        with self._hash_lock:
            if len(self._hashes) >= _HASH_MEMORY_JOBS and job_id not in self._hashes:
                self._hashes.pop(next(iter(self._hashes)))
            self._hashes.setdefault(job_id, {})[name] = (sha, info.st_size, info.st_mtime_ns)

    def take_hashes(self, job_id: str) -> KnownHashes:
        """Hand over (and forget) the hashes of a job's files this store wrote, for another
        store that writes the job's ``meta.json`` (a worker's)."""
        with self._hash_lock:
            return self._hashes.pop(job_id, {})

    def remember_hashes(self, job_id: str, known: Mapping[str, tuple[str, int, int]]) -> None:
        """Take over hashes from :meth:`take_hashes` of another store (checked again against
        each file's size and mtime when ``meta.json`` is written)."""
        if known:
            with self._hash_lock:
                self._hashes.setdefault(job_id, {}).update(known)

    def read(self, job_id: str, name: str) -> bytes:
        """Return an artifact's bytes.

        Raises:
            NotFound: the job has no such artifact (yet).
        """
        target = self.path(job_id, name)
        try:
            # O_NOFOLLOW: a symlink planted in a job directory is not followed.
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(f"job {job_id} has no artifact {name}") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise StorageError(f"{target} is a symbolic link; refusing to follow it") from None
            raise StorageError(f"cannot read {target}: {exc.strerror}") from exc
        with os.fdopen(fd, "rb") as handle:
            return handle.read()

    def read_json(self, job_id: str, name: str) -> Any:
        """Return a JSON artifact, parsed."""
        return json.loads(self.read(job_id, name))

    def exists(self, job_id: str, name: str) -> bool:
        """Return whether the artifact is present."""
        return self.path(job_id, name).is_file()

    def list(self, job_id: str) -> builtins.list[str]:
        """Return the names of the artifacts present for a job, sorted (``[]`` if none)."""
        directory = self.job_dir(job_id)
        if not directory.is_dir():
            return []
        return sorted(e.name for e in directory.iterdir() if e.name in ARTIFACT_NAMES)

    def append_jsonl(self, job_id: str, name: str, obj: Any, *, fsync: bool = False) -> None:
        """Append ``obj`` as one JSON line to a ``.jsonl`` artifact.

        The line is handed to the kernel in one ``write`` on an ``O_APPEND`` descriptor, so
        readers see it at once. If an earlier writer died mid-line, the torn tail is cut off
        first, so the file only ever holds complete lines.

        Args:
            job_id: The job.
            name: A ``.jsonl`` artifact name (``iterations.jsonl``).
            obj: A JSON-serializable value (no NaN or infinity).
            fsync: Also flush the line to disk (slower; off for per-iteration logging).
        """
        self.append_jsonl_many(job_id, name, [obj], fsync=fsync)

    def append_jsonl_many(
        self, job_id: str, name: str, objs: Iterable[Any], *, fsync: bool = False
    ) -> None:
        """Append several JSON lines with one ``write`` (see :meth:`append_jsonl`)."""
        if not name.endswith(".jsonl"):
            raise ValueError(f"append_jsonl needs a .jsonl artifact, got {name!r}")
        target = self.path(job_id, name)
        data = "".join(
            json.dumps(obj, separators=(",", ":"), allow_nan=False) + "\n" for obj in objs
        ).encode("utf-8")
        if not data:
            return
        self._ensure_dir(target.parent)
        with self._append_lock:
            fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            try:
                _cut_torn_tail(fd)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                if fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)

    def read_jsonl(self, job_id: str, name: str) -> builtins.list[Any]:
        """Return the complete lines of a ``.jsonl`` artifact, parsed (``[]`` if absent)."""
        try:
            data = self.read(job_id, name)
        except NotFound:
            return []
        complete = data[: data.rfind(b"\n") + 1]
        return [json.loads(line) for line in complete.splitlines() if line.strip()]

    def write_meta(self, job_id: str, meta: Mapping[str, Any]) -> dict[str, Any]:
        """Write ``meta.json``: sha256 and size of every artifact present, plus ``meta``.

        Args:
            job_id: The job.
            meta: What else to record (versions, seeds, per-stage timings, ...). It must be
                JSON-serializable and must not use the keys ``meta_version``, ``job_id`` or
                ``artifacts``.

        Returns:
            The document written.
        """
        clash = _RESERVED_META_KEYS & set(meta)
        if clash:
            raise ValueError(f"meta keys {sorted(clash)} are reserved by write_meta")
        artifacts: dict[str, dict[str, Any]] = {}
        with self._hash_lock:
            known = self._hashes.pop(job_id, {})
        for name in self.list(job_id):
            if name == META_NAME:
                continue
            path = self.path(job_id, name)
            info = path.stat()
            # A file this store wrote and nobody replaced since (same size and mtime) keeps
            # the hash computed when it was written; anything else is read and hashed.
            remembered = known.get(name)
            if remembered is not None and remembered[1:] == (info.st_size, info.st_mtime_ns):
                sha = remembered[0]
            else:
                sha = sha256_file(path)
            artifacts[name] = {"sha256": sha, "size_bytes": info.st_size}
        doc: dict[str, Any] = {
            **meta,
            "meta_version": META_VERSION,
            "job_id": job_id,
            "artifacts": artifacts,
        }
        self.write_json(job_id, META_NAME, doc)
        return doc

    def read_meta(self, job_id: str) -> dict[str, Any]:
        """Return the parsed ``meta.json``.

        Raises:
            NotFound: the job has no ``meta.json`` yet.
        """
        doc = self.read_json(job_id, META_NAME)
        if not isinstance(doc, dict):
            raise ValueError(f"meta.json of job {job_id} is not a JSON object")
        return doc

    def verify(self, job_id: str) -> builtins.list[ArtifactMismatch]:
        """Compare every artifact with the sha256 ``meta.json`` recorded.

        Returns:
            One :class:`ArtifactMismatch` per artifact that is missing, modified, or present
            but unrecorded; ``[]`` when everything matches.

        Raises:
            NotFound: the job has no ``meta.json``, so there is nothing to verify against.
        """
        recorded = {
            name: entry.get("sha256") for name, entry in self.read_meta(job_id)["artifacts"].items()
        }
        mismatches: builtins.list[ArtifactMismatch] = []
        present = set(self.list(job_id)) - {META_NAME}
        for name in sorted(present | set(recorded)):
            if name not in ARTIFACT_NAMES:
                mismatches.append(ArtifactMismatch(name, recorded.get(name), None))
                continue
            actual = sha256_file(self.path(job_id, name)) if name in present else None
            if actual != recorded.get(name):
                mismatches.append(ArtifactMismatch(name, recorded.get(name), actual))
        return mismatches

    def clean_temps(self, job_id: str) -> builtins.list[Path]:
        """Remove temp files a dead writer left in a job's directory (recovery only)."""
        return remove_stale_temps(self.job_dir(job_id))

    def _ensure_dir(self, directory: Path) -> None:
        if directory.is_dir():
            return
        directory.mkdir(parents=True, exist_ok=True)
        # Make the new directory entry itself durable, not just the files inside it.
        if self._sync is None:
            fsync_dir(directory.parent)
        else:
            self._sync.mark()


def _cut_torn_tail(fd: int) -> None:
    """Truncate a file open for append back to its last newline, if it ends mid-line."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    # Scan back in blocks for the last complete line.
    end = size
    while end > 0:
        start = max(0, end - 65536)
        block = os.pread(fd, end - start, start)
        cut = block.rfind(b"\n")
        if cut >= 0:
            os.ftruncate(fd, start + cut + 1)
            return
        end = start
    os.ftruncate(fd, 0)

"""The server record: the ``server.json`` by which clients on this machine find ``eigen serve``."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from eigen_engine.qfs.atomic import write_atomic

__all__ = [
    "SERVER_RECORD",
    "ServerRecord",
    "pid_alive",
    "read_server_record",
    "remove_server_record",
    "write_server_record",
]

SERVER_RECORD: Final = "server.json"
"""File name of the server record in the engine home."""


@dataclass(frozen=True, slots=True)
class ServerRecord:
    """Where a running ``eigen serve`` listens (``<home>/server.json``, mode 0600).

    Attributes:
        url: Root URL of the Jupyter server (with its base URL), e.g.
            ``http://127.0.0.1:8890/``.
        token: Its auth token.
        pid: Process id of the server.
        started_at: Seconds since the epoch.
        version: eigen-jupyter version of the server.
    """

    url: str
    token: str
    pid: int
    started_at: float = 0.0
    version: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"url": self.url, "token": self.token, "pid": self.pid,
                "started_at": self.started_at, "version": self.version}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServerRecord:
        """Read the JSON form (``ValueError``/``KeyError``/``TypeError`` if malformed)."""
        return cls(url=str(data["url"]), token=str(data.get("token") or ""),
                   pid=int(data["pid"]), started_at=float(data.get("started_at") or 0.0),
                   version=str(data.get("version") or ""))


def read_server_record(home: str | os.PathLike[str]) -> ServerRecord | None:
    """Return the server record of ``home`` if its server process is alive, else ``None``.

    A record whose process is gone (the server was killed) is stale and ignored.
    """
    try:
        data = json.loads((Path(home) / SERVER_RECORD).read_text(encoding="utf-8"))
        record = ServerRecord.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if pid_alive(record.pid) else None


def write_server_record(home: str | os.PathLike[str], record: ServerRecord) -> Path:
    """Write ``<home>/server.json`` atomically, readable by the owner only (it has a token).

    Returns:
        The record's path.
    """
    directory = Path(home)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / SERVER_RECORD
    data = json.dumps(record.to_dict(), sort_keys=True).encode("utf-8")
    write_atomic(target, data, mode=0o600)  # fsynced: the token must not be lost
    return target


def remove_server_record(home: str | os.PathLike[str], pid: int) -> None:
    """Remove ``<home>/server.json`` if it is the record of process ``pid``."""
    path = Path(home) / SERVER_RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if int(data.get("pid", -1)) == pid:
            path.unlink()
    except (OSError, ValueError, TypeError, AttributeError):
        return


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True

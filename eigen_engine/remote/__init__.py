"""``RemoteEngine``: the :class:`~eigen_engine.engine.Engine` interface over the REST API.

A kernel, the CLI or any script talks to the engine a Jupyter server hosts (the
``eigen_jupyter`` extension, or ``eigen serve``) exactly as it would to an embedded one::

    >>> from eigen_engine.remote import RemoteEngine
    >>> engine = RemoteEngine("http://127.0.0.1:8888/", token="…")
    >>> job = engine.submit(open("examples/bell/program.eigen.py").read(), shots=1000)
    >>> sorted(job.result().counts)
    ['00', '11']

Errors come back as the same ``EigenError`` classes the embedded engine raises (the JSON
error envelope names the class); a server that cannot be reached raises
:class:`~eigen_engine.errors.ServerUnavailable`. HTTP uses the standard library only, so
importing this package stays light; :meth:`RemoteEngine.events` uses ``websocket-client``
(a jupyter_server dependency), imported on first use.

This package also holds the *server record*: the ``server.json`` that ``eigen serve`` writes
in the engine home so that clients on the same machine find the server.

Modules, each importing only those above it:

- ``server_record``: :class:`ServerRecord` and reading, writing and removing it.
- ``wire``: the API's URLs, request bodies and decoded payloads.
- ``envelope``: :func:`error_from_envelope`, the JSON error envelope back into an ``EigenError``.
- ``events``: the ``events`` WebSocket, and the pump that shares one among subscribers.
- ``client``: :class:`RemoteEngine` itself.
"""

from eigen_engine.remote.client import RemoteEngine, VersionMismatchWarning
from eigen_engine.remote.envelope import error_from_envelope
from eigen_engine.remote.server_record import (
    SERVER_RECORD,
    ServerRecord,
    read_server_record,
    remove_server_record,
    write_server_record,
)
from eigen_engine.remote.wire import API_PATH

# Importable from here as they were from the single module, but not part of ``__all__``.
from eigen_engine.remote.server_record import pid_alive as pid_alive  # isort: skip
from eigen_engine.remote.wire import API_VERSION as API_VERSION  # isort: skip

__all__ = [
    "API_PATH",
    "SERVER_RECORD",
    "RemoteEngine",
    "ServerRecord",
    "VersionMismatchWarning",
    "error_from_envelope",
    "read_server_record",
    "remove_server_record",
    "write_server_record",
]

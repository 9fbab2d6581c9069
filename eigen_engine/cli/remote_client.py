"""Which engine a CLI command talks to: a running server, or one embedded in the process.

In order: ``--server URL`` (token from ``?token=`` in it, or ``EIGEN_SERVER_TOKEN`` unless
that belongs to another ``EIGEN_SERVER_URL``);
``EIGEN_SERVER_URL`` (+ ``EIGEN_SERVER_TOKEN``); the ``server.json`` record that
``eigen serve`` wrote in the engine home (if that server answers); otherwise an embedded
:class:`~eigen_engine.engine.Engine` on the home. An explicit server that does not answer
raises :class:`~eigen_engine.errors.ServerUnavailable` (exit code 3); a stale record is
skipped.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any, Final

from eigen_engine.errors import ServerUnavailable
from eigen_engine.remote import RemoteEngine, read_server_record

if TYPE_CHECKING:
    from eigen_engine.engine import Engine

__all__ = ["add_server_arguments", "open_engine"]

_PROBE_TIMEOUT_S: Final = 3.0


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--server URL`` and ``--home DIR`` to a subcommand's parser."""
    parser.add_argument(
        "--server", metavar="URL", default=None,
        help="a Jupyter server with eigen-jupyter (default: $EIGEN_SERVER_URL, then the "
             "`eigen serve` of the engine home, else an engine in this process)",
    )
    parser.add_argument("--home", metavar="DIR", default=None,
                        help="engine home (default: $EIGEN_HOME or the Jupyter data dir)")


def open_engine(
    args: argparse.Namespace | Any, *, run_scheduler: bool = True
) -> Engine | RemoteEngine:
    """The engine a command should use (see the module docstring).

    Reads ``args.server``, ``args.home`` and ``args.workers`` when they exist.
    ``run_scheduler=False`` gives an embedded engine that does not run queued jobs in this
    process (for commands that only read or cancel).

    Raises:
        ServerUnavailable: ``--server`` or ``EIGEN_SERVER_URL`` does not answer.
    """
    server = getattr(args, "server", None)
    home = getattr(args, "home", None)
    env_url = os.environ.get("EIGEN_SERVER_URL") or None
    env_token = os.environ.get("EIGEN_SERVER_TOKEN") or None
    if server:
        # The env token belongs to the env server: never send it to another one.
        return RemoteEngine(server, env_token if env_url in (None, server) else None)
    if env_url:
        return RemoteEngine(env_url, env_token)
    from eigen_engine.engine import Engine, default_home

    record = read_server_record(home if home is not None else default_home())
    if record is not None:
        try:
            remote = RemoteEngine(record.url, record.token, timeout=_PROBE_TIMEOUT_S)
        except ServerUnavailable:
            pass
        else:
            remote.timeout = 30.0
            return remote
    return Engine(home, workers=getattr(args, "workers", None), run_scheduler=run_scheduler)

"""``eigen serve``: the headless service — a Jupyter server hosting the engine.

Starts jupyter_server in this process with the ``eigen_jupyter`` extension (and whatever
other extensions are enabled, e.g. JupyterLab at ``/lab``), no browser, token auth (a fresh
token unless ``--token`` gives one), on a free loopback port unless told otherwise. Once it
listens, ``{"url", "token", "pid"}`` goes to ``<home>/server.json`` (mode 0600, written
atomically), where ``eigen`` commands and kernels on this machine find it; the record is
removed when the server stops (Ctrl-C or SIGTERM).

Example:
    $ eigen serve --home ~/eigen &
    $ eigen submit examples/bell/program.eigen.py     # goes to the server
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eigen_engine.cli.app import Console
from eigen_engine.errors import ErrorDetail, FailedPrecondition, InvalidArgument
from eigen_engine.remote import (
    SERVER_RECORD,
    RemoteEngine,
    ServerRecord,
    read_server_record,
    remove_server_record,
    write_server_record,
)

__all__ = ["main", "register", "run"]

_WILDCARD = frozenset({"", "0.0.0.0", "::", "*"})


def register(sub: Any) -> None:
    """Add the ``serve`` subcommand."""
    p = sub.add_parser(
        "serve", help="run the headless Eigen service (a Jupyter server with the extension)",
        description="Start a Jupyter server hosting the Eigen engine: no browser, token auth. "
                    "Its URL and token are recorded in the engine home, so `eigen` commands "
                    "and kernels on this machine use it.",
    )
    add_arguments(p)
    p.set_defaults(handler=run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``eigen serve``."""
    p.add_argument("--home", default=None, help="engine home (default: $EIGEN_HOME or the "
                                                "Jupyter data dir's eigen/)")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--token", default=None,
                   help="auth token (default: a new random one; read it from server.json)")
    p.add_argument("--base-url", default="/", help="URL prefix of the server (default /)")
    p.add_argument("--root-dir", default=None,
                   help="directory the server shows and runs kernels in (default: cwd)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where jobs run (default: local process pool)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (local executor)")
    p.add_argument("--dask-address", default=None, help="Dask scheduler address")
    p.add_argument("--default-target", default=None, help="target of jobs that name none")
    p.add_argument("--allow-root", action="store_true",
                   help="allow running as root (Jupyter refuses by default)")


def run(args: argparse.Namespace, console: Console) -> int:
    """Serve until stopped; returns the exit code.

    Raises:
        InvalidArgument: a bad option (empty token, port out of range).
        FailedPrecondition: a server for this home is already running.
    """
    home = _home(args.home)
    token = _token(args.token)
    if not 0 <= args.port <= 65535:
        raise InvalidArgument(f"--port must be from 0 to 65535, got {args.port}",
                              details=[ErrorDetail("--port", "out of range")])
    _refuse_second_server(home)
    from jupyter_server.serverapp import ServerApp

    argv = [
        f"--ServerApp.ip={args.ip}",
        f"--ServerApp.port={args.port}",
        f"--ServerApp.port_retries={0 if args.port else 50}",
        "--ServerApp.open_browser=False",
        f"--ServerApp.base_url={args.base_url}",
        f"--ServerApp.root_dir={Path(args.root_dir or os.getcwd()).resolve()}",
        f"--IdentityProvider.token={token}",
        f"--EigenApp.home={home}",
        f"--EigenApp.executor={args.executor}",
        f"--ServerApp.allow_root={bool(args.allow_root)}",
    ]
    for flag, value in (("workers", args.workers), ("dask_address", args.dask_address),
                        ("default_target", args.default_target)):
        if value is not None:
            argv.append(f"--EigenApp.{flag}={value}")
    # As ExtensionApp.initialize_server does: the extension is enabled whatever config files
    # say, and other enabled extensions (JupyterLab) load beside it.
    server: Any = ServerApp.instance(jpserver_extensions={"eigen_jupyter": True})
    server.initialize(argv=argv, starter_extension="eigen")

    def stop(signum: int, frame: Any) -> None:
        server.stop(from_signal=True)

    signal.signal(signal.SIGINT, stop)  # no interactive "shut down? (y/n)" prompt
    signal.signal(signal.SIGTERM, stop)
    pid = os.getpid()

    def announce() -> None:  # runs on the loop, after the server has bound its port
        url = _url(server)
        write_server_record(home, ServerRecord(url=url, token=token, pid=pid,
                                               started_at=time.time(), version=_version()))
        console.print(f"eigen serve: {url} (pid {pid}); token and URL in {home / SERVER_RECORD}")
        console.out.flush()

    server.io_loop.add_callback(announce)
    try:
        server.start()
    finally:
        remove_server_record(home, pid)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``eigen serve`` on its own (``python -m eigen_engine.cli.serve``)."""
    from eigen_engine.errors import EigenError

    parser = argparse.ArgumentParser(prog="eigen serve")
    add_arguments(parser)
    args = parser.parse_args(argv)
    console = Console()
    try:
        return run(args, console)
    except EigenError as exc:
        console.warn(f"eigen serve: error: {exc.message}")
        return exc.exit_code


def _home(value: str | None) -> Path:
    if value:
        return Path(value).expanduser().resolve()
    from eigen_engine.engine import default_home

    return default_home().resolve()


def _token(value: str | None) -> str:
    if value is None:
        return secrets.token_hex(24)
    if not value.strip():
        raise InvalidArgument(
            "--token must not be empty: eigen serve always requires token authentication",
            details=[ErrorDetail("--token", "must not be empty")],
        )
    return value


def _refuse_second_server(home: Path) -> None:
    record = read_server_record(home)
    if record is None:
        return
    try:
        RemoteEngine(record.url, record.token, timeout=3.0)
    except Exception:  # not answering: a stale record of a server that is going away
        return
    raise FailedPrecondition(
        f"an Eigen server for {home} already runs at {record.url} (pid {record.pid}); stop it "
        "first, or give another --home"
    )


def _url(server: Any) -> str:
    ip = str(server.ip or "")
    host = "127.0.0.1" if ip in _WILDCARD or ip == "localhost" else ip
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if server.certfile else "http"
    return f"{scheme}://{host}:{server.port}{server.base_url}"


def _version() -> str:
    from eigen_engine import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())

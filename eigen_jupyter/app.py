"""The Jupyter server extension: one :class:`~eigen_engine.engine.Engine` per server.

Configure it like any Jupyter app, e.g. in ``jupyter_server_config.py``::

    c.EigenApp.home = "/data/eigen"
    c.EigenApp.executor = "dask"
    c.EigenApp.dask_address = "tcp://scheduler:8786"
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final, cast

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, CaselessStrEnum, Integer, Unicode

from eigen_engine.errors import ServerUnavailable
from eigen_engine.qrtx.states import JobState
from eigen_jupyter.server_ext import handlers
from eigen_jupyter.server_ext.bus import JobBus

if TYPE_CHECKING:
    from eigen_engine.engine import Engine

__all__ = ["EigenApp", "server_url"]

_WILDCARD_HOSTS: Final = frozenset({"", "0.0.0.0", "::", "*"})


class EigenApp(ExtensionApp):
    """Hosts one engine for every notebook, terminal and client of this Jupyter server.

    The engine starts when the server starts (so jobs a previous server left queued run
    again) or, if the server never runs the start hook (as in tests), on the first request.
    Every engine call runs in the extension's own thread pool, never on the event loop.
    """

    name = "eigen"
    description = "Eigen: compile, schedule and run hybrid quantum-classical jobs"
    load_other_extensions = True

    home = Unicode(
        None, allow_none=True,
        help="Engine home (QFS store, SQLite index). Default: $EIGEN_HOME, else the Jupyter "
             "data directory's eigen/.",
    ).tag(config=True)
    executor = CaselessStrEnum(
        ["local", "dask"], default_value="local",
        help="Where jobs run: 'local' (a process pool) or 'dask' (a distributed cluster).",
    ).tag(config=True)
    workers = Integer(
        None, allow_none=True,
        help="Worker processes of the local executor (default: the engine's choice).",
    ).tag(config=True)
    dask_address = Unicode(
        None, allow_none=True,
        help="Scheduler address for executor='dask' (default: a LocalCluster).",
    ).tag(config=True)
    default_target = Unicode(
        None, allow_none=True,
        help="Target of jobs that name none (default: 'simulator').",
    ).tag(config=True)
    api_threads = Integer(
        4,
        help="Threads that run engine calls (submit, compile, queries) off the event loop "
             "(process-wide: the first server of a process sets it).",
    ).tag(config=True)
    publish_env = Bool(
        True,
        help="Set EIGEN_SERVER_URL and EIGEN_SERVER_TOKEN in the server's environment when it "
             "starts, so the kernels it launches find it.",
    ).tag(config=True)

    def initialize_settings(self) -> None:
        """Create the thread pool and the job bus (the engine itself starts lazily)."""
        self._engine: Engine | None = None
        self._stopped = False
        self._engine_lock = threading.Lock()
        self._unsubscribe: Any = None
        self._pool = _engine_threads(self.api_threads)
        serverapp = self.serverapp
        assert serverapp is not None
        self.bus = JobBus(
            loop=cast(Any, serverapp.io_loop).asyncio_loop,
            event_logger=getattr(serverapp, "event_logger", None),
            count_jobs=self._count_jobs,
            log=self.log,
        )

    def initialize_handlers(self) -> None:
        """Register the REST routes and the WebSocket."""
        self.handlers.extend(handlers())

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Publish this server to kernels and start the engine, once the loop runs."""
        if self.publish_env:
            url = server_url(serverapp)
            token = getattr(serverapp.identity_provider, "token", "") or ""
            if url:
                os.environ["EIGEN_SERVER_URL"] = url
                if token:
                    os.environ["EIGEN_SERVER_TOKEN"] = token
        await self.get_engine()
        self.log.info("eigen | engine ready (home %s, executor %s)",
                      self._engine.home if self._engine else "?", self.executor)

    # -- the engine ------------------------------------------------------------------------------

    @property
    def engine_started(self) -> bool:
        """Whether the engine exists yet."""
        return self._engine is not None

    async def get_engine(self) -> Engine:
        """Return the engine, creating it in a worker thread on first use."""
        if self._engine is not None:
            return self._engine
        engine: Engine = await self.run_blocking(self._create_engine)
        return engine

    def _create_engine(self) -> Engine:
        with self._engine_lock:
            if self._stopped:
                raise ServerUnavailable("the Jupyter server is shutting down; retry when it is "
                                        "back")
            if self._engine is None:
                from eigen_engine.engine import Engine

                engine = Engine(
                    self.home,
                    executor=self.executor,
                    workers=self.workers,
                    dask_address=self.dask_address,
                    default_target=self.default_target,
                )
                self._unsubscribe = engine.subscribe(self.bus.deliver)
                self._engine = engine
                self.bus.schedule_refresh_threadsafe()
            return self._engine

    async def run_blocking(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` in the extension's thread pool and await it."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    async def _count_jobs(self) -> Mapping[JobState, int]:
        engine = self._engine
        if engine is None:
            return {}

        def count() -> dict[JobState, int]:
            return {state: engine.count_jobs(state=state) for state in JobState}

        counts: Mapping[JobState, int] = await self.run_blocking(count)
        return counts

    async def stop_extension(self) -> None:
        """Stop the bus and close the engine (off the loop); the threads stay (see
        :func:`_engine_threads`)."""
        self.bus.close()
        with self._engine_lock:
            self._stopped = True
            engine, self._engine = self._engine, None
        if engine is not None:
            if self._unsubscribe is not None:
                self._unsubscribe()
            await asyncio.get_running_loop().run_in_executor(None, engine.close)


_threads: ThreadPoolExecutor | None = None
_threads_lock = threading.Lock()


def _engine_threads(size: int) -> ThreadPoolExecutor:
    """The threads that run engine calls, shared by every server of the process.

    They live as long as the process, on purpose: the first submit imports qiskit in one of
    them, and qiskit keeps per-thread state that makes later in-process simulations (device
    calibration) crash once the importing thread has exited.
    """
    global _threads
    with _threads_lock:
        if _threads is None:
            _threads = ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix="eigen-api")
        return _threads


def server_url(serverapp: Any) -> str | None:
    """The loopback-reachable root URL of a running server (``None`` on a Unix socket).

    A wildcard bind address (``0.0.0.0``, ``::``) becomes ``127.0.0.1``.
    """
    if getattr(serverapp, "sock", ""):
        return None
    ip = serverapp.ip or ""
    host = "127.0.0.1" if ip in _WILDCARD_HOSTS or ip == "localhost" else ip
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    scheme = "https" if getattr(serverapp, "certfile", None) else "http"
    return f"{scheme}://{host}:{serverapp.port}{serverapp.base_url}"

"""``health`` and ``version``: cheap endpoints that never touch the job store."""

from __future__ import annotations

from typing import Final

import jupyter_server
from jupyter_server.auth.decorator import authorized
from tornado import web

from eigen_engine import __version__ as eigen_version
from eigen_jupyter.server_ext.base import EigenHandler
from eigen_jupyter.server_ext.payloads import (
    API_VERSION,
    SCHEMA_VERSION,
    HealthResponse,
    VersionResponse,
)

__all__ = ["HealthHandler", "VersionHandler", "default_handlers"]


class HealthHandler(EigenHandler):
    """``GET health``: the extension is loaded; ``engine`` says whether it has started."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        """Report liveness."""
        response: HealthResponse = {
            "schema_version": SCHEMA_VERSION,
            "status": "ok",
            "engine": "running" if self.eigen.engine_started else "not started",
            "executor": self.eigen.executor,
        }
        self.reply(response)


class VersionHandler(EigenHandler):
    """``GET version``: clients compare ``eigen_version`` with their own and warn."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        """Report the API and package versions."""
        response: VersionResponse = {
            "schema_version": SCHEMA_VERSION,
            "api_version": API_VERSION,
            "eigen_version": eigen_version,
            "jupyter_server_version": jupyter_server.__version__,
        }
        self.reply(response)


default_handlers: Final = [(r"/health", HealthHandler), (r"/version", VersionHandler)]

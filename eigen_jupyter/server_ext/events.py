"""``events``: a WebSocket streaming job updates (``JobEvent.to_dict()`` messages).

Subscribes on open and unsubscribes on close. ``?job_id=`` narrows the stream to one job.
Events are not replayed: a client reads the job list over REST first and again after a
reconnect. Messages the client sends are ignored.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from eigen_engine.errors import InvalidArgument
from eigen_engine.qrtx.records import validate_job_id
from eigen_jupyter.server_ext.base import AUTH_RESOURCE

if TYPE_CHECKING:
    from eigen_engine.qrtx.events import JobEvent
    from eigen_jupyter.app import EigenApp

__all__ = ["EventsHandler", "default_handlers"]


class EventsHandler(WebSocketMixin, WebSocketHandler, JupyterHandler):
    """``WS events[?job_id=j-…]``: one JSON message per job event, in engine order."""

    auth_resource = AUTH_RESOURCE
    job_filter: str | None = None

    def set_default_headers(self) -> None:
        """No JupyterHandler page headers on a WebSocket upgrade."""

    @ws_authenticated
    @authorized("execute")  # type: ignore[untyped-decorator]
    async def get(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Authenticate, authorize (``execute`` on ``eigen``), then upgrade."""
        job_id = self.get_query_argument("job_id", None)
        if job_id:
            try:
                self.job_filter = validate_job_id(job_id)
            except InvalidArgument as exc:
                raise web.HTTPError(400, exc.message) from None
        app: EigenApp = self.settings["eigen"]
        await app.get_engine()  # events flow once the engine runs
        await super().get(*args, **kwargs)

    def open(self, *args: Any, **kwargs: Any) -> None:
        """Subscribe to the job bus."""
        super().open(*args, **kwargs)
        self.settings["eigen"].bus.add_listener(self._send)

    def on_message(self, message: str | bytes) -> None:
        """Ignore client messages (the stream is one-way)."""

    def on_close(self) -> None:
        """Unsubscribe."""
        self.settings["eigen"].bus.remove_listener(self._send)

    def _send(self, event: JobEvent) -> None:
        if self.job_filter is not None and event.job.id != self.job_filter:
            return
        try:
            self.write_message(json.dumps(event.to_dict(), allow_nan=False))
        except WebSocketClosedError:
            self.on_close()


default_handlers: Final = [(r"/events", EventsHandler)]

"""The Eigen REST API and WebSocket under ``/eigen/api/v1``: one module per resource.

=======  ==================================  ==========================================
verb     path (below ``{base_url}eigen/api/v1``)  what
=======  ==================================  ==========================================
GET      ``health``                          liveness (never touches the store)
GET      ``version``                         API and package versions (client handshake)
POST     ``jobs``                            submit (201 + ``Location``)
POST     ``jobs/batch``                      submit many, all or none (201)
GET      ``jobs``                            list: ``state owner search limit offset``
GET      ``jobs/{id}``                       one job; ``?wait=S`` long-polls until done
DELETE   ``jobs/{id}``                       cancel
GET      ``jobs/{id}/results``               ``results.json``; ``?wait=S``
GET      ``jobs/{id}/artifacts[/{name}]``    QFS artifact names / bytes
POST     ``compile``                         compile / validate / optimize
GET      ``devices[/{id}[/status]]``         devices, one device, its status
POST     ``devices/{id}/calibrate``          measure calibration figures
POST     ``devices/{id}/reservations``       501 until hardware backends exist
WS       ``events[?job_id=]``                job updates (``JobEvent.to_dict()``)
any      anything else                       404 ``NOT_FOUND`` envelope
=======  ==================================  ==========================================
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["API_PREFIX", "handlers"]

API_PREFIX: Final = "/eigen/api/v1"
"""Route prefix; the ExtensionApp prepends the server's ``base_url`` (never join it here)."""


def handlers() -> list[tuple[str, Any]]:
    """Every route of the API, prefixed with :data:`API_PREFIX`."""
    from eigen_jupyter.server_ext import compile, devices, events, health, jobs
    from eigen_jupyter.server_ext.base import UnknownEndpointHandler

    table: list[tuple[str, Any]] = []
    for module in (health, jobs, compile, devices, events):
        table.extend((API_PREFIX + path, handler) for path, handler in module.default_handlers)
    table.append((API_PREFIX + "/(?P<path>.*)", UnknownEndpointHandler))  # last: a fallback
    return table

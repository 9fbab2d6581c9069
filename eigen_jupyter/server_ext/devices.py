"""``devices``: list, describe, status, calibrate (reservations are not offered yet)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from jupyter_server.auth.decorator import authorized
from tornado import web

from eigen_engine.errors import ErrorDetail, InvalidArgument, Unimplemented
from eigen_jupyter.server_ext.base import EigenHandler
from eigen_jupyter.server_ext.payloads import (
    SCHEMA_VERSION,
    CalibrateRequest,
    CalibrationResponse,
    DeviceJSON,
    DeviceListResponse,
    DeviceResponse,
    DeviceStatusResponse,
)

if TYPE_CHECKING:
    from eigen_engine.drivers.devices import DeviceInfo

__all__ = [
    "CalibrateHandler",
    "DeviceHandler",
    "DeviceStatusHandler",
    "DevicesHandler",
    "ReservationsHandler",
    "default_handlers",
]

_MAX_DEVICE_ID: Final = 128


def device_json(device: DeviceInfo) -> DeviceJSON:
    """The ``Device`` payload."""
    payload: Any = device.to_dict()
    out: DeviceJSON = payload
    return out


def _device_id(value: str) -> str:
    if not value or len(value) > _MAX_DEVICE_ID or not value.isprintable():
        message = f"{value[:40]!r} is not a device id (e.g. aer:statevector)"
        raise InvalidArgument(message, details=[ErrorDetail(field="device_id", message=message)])
    return value


class DevicesHandler(EigenHandler):
    """``GET devices``."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List every device of every registered driver."""
        engine = await self.engine()
        devices = await self.call(engine.devices)
        response: DeviceListResponse = {
            "schema_version": SCHEMA_VERSION,
            "devices": [device_json(d) for d in devices],
        }
        self.reply(response)


class DeviceHandler(EigenHandler):
    """``GET devices/{id}`` (a target alias such as ``simulator`` resolves to its device)."""

    @web.authenticated
    @authorized
    async def get(self, device_id: str) -> None:
        """Describe one device."""
        engine = await self.engine()
        device = await self.call(engine.device, _device_id(device_id))
        payload: Any = {"schema_version": SCHEMA_VERSION, **device_json(device)}
        response: DeviceResponse = payload
        self.reply(response)


class DeviceStatusHandler(EigenHandler):
    """``GET devices/{id}/status``."""

    @web.authenticated
    @authorized
    async def get(self, device_id: str) -> None:
        """Status and queue depth of one device."""
        engine = await self.engine()
        device = await self.call(engine.device, _device_id(device_id))
        response: DeviceStatusResponse = {
            "schema_version": SCHEMA_VERSION,
            "id": device.id,
            "status": device.status.value,
            "queue_depth": device.queue_depth,
        }
        self.reply(response)


class CalibrateHandler(EigenHandler):
    """``POST devices/{id}/calibrate``: ``{"noise_model": "depolarizing:0.01"}`` (optional)."""

    @web.authenticated
    @authorized
    async def post(self, device_id: str) -> None:
        """Measure calibration figures (runs circuits: off the loop)."""
        device_id = _device_id(device_id)
        body = self.json_body() if self.request.body.strip() else {}
        request = CalibrateRequest.from_json(body)
        engine = await self.engine()
        figures = await self.call(engine.calibrate, device_id, request.noise_model)
        response: CalibrationResponse = {
            "schema_version": SCHEMA_VERSION,
            "device_id": device_id,
            "calibration": dict(figures),
        }
        self.reply(response)


class ReservationsHandler(EigenHandler):
    """``POST devices/{id}/reservations``: reserved for hardware backends (501 for now)."""

    @web.authenticated
    @authorized
    async def post(self, device_id: str) -> None:
        """Refuse with UNIMPLEMENTED: simulators need no reservation."""
        device_id = _device_id(device_id)
        raise Unimplemented(
            f"device reservations are not available yet; {device_id} is a simulator and runs "
            "jobs as they are scheduled, so submit the job directly"
        )


_ID: Final = r"(?P<device_id>[^/]+)"

default_handlers: Final = [
    (r"/devices", DevicesHandler),
    (rf"/devices/{_ID}", DeviceHandler),
    (rf"/devices/{_ID}/status", DeviceStatusHandler),
    (rf"/devices/{_ID}/calibrate", CalibrateHandler),
    (rf"/devices/{_ID}/reservations", ReservationsHandler),
]

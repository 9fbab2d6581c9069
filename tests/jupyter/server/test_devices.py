"""``devices``: list, describe (aliases too), status, calibrate; reservations are 501."""

from __future__ import annotations

from typing import Any

from tests.jupyter.server.client import load


async def test_devices(api: Any, fail: Any) -> None:
    devices = load(await api("devices"))["devices"]
    ids = {d["id"] for d in devices}
    assert {"aer", "aer:density_matrix", "cirq"} <= ids
    aer = load(await api("devices", "aer"))
    assert aer["schema_version"] == 1 and aer["driver"] == "aer" and aer["num_qubits"] > 1
    assert load(await api("devices", "simulator"))["id"] == "aer"  # a target alias
    status = load(await api("devices", "aer:density_matrix", "status"))
    assert status == {"schema_version": 1, "id": "aer:density_matrix", "status": "ONLINE",
                      "queue_depth": 0}
    code, error = await fail("devices", "quantum-toaster")
    assert (code, error["type"]) == (404, "DeviceNotFound")


async def test_calibrate_and_reservations(api: Any, fail: Any) -> None:
    calibrated = load(await api("devices", "aer", "calibrate", method="POST",
                                body={"noise_model": "readout:0.05"}))
    assert calibrated["device_id"] == "aer" and calibrated["calibration"]
    code, error = await fail("devices", "aer", "reservations", method="POST", body="{}")
    assert (code, error["code"], error["type"]) == (501, "UNIMPLEMENTED", "Unimplemented")
    code, error = await fail("devices", "aer", "calibrate", method="POST", body={"noise": 1})
    assert code == 400 and error["details"][0]["field"] == "noise"

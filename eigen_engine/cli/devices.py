"""Device commands: ``eigen devices`` and ``eigen calibrate``."""

from __future__ import annotations

import argparse
from typing import Any

from eigen_engine.cli.app import Console
from eigen_engine.cli.jobs import open_command_engine
from eigen_engine.cli.remote_client import add_server_arguments
from eigen_engine.cli.render import table

__all__ = ["register"]


def _devices(args: argparse.Namespace, console: Console) -> int:
    with open_command_engine(args, runs_jobs=False) as engine:
        devices = engine.devices()
    if args.json:
        console.json({"devices": [d.to_dict() for d in devices]})
        return 0
    rows = [
        (d.id, d.driver, d.num_qubits, d.method, d.status.value, d.queue_depth,
         d.noise_model or "-")
        for d in devices
    ]
    console.print(table(("ID", "DRIVER", "QUBITS", "METHOD", "STATUS", "QUEUE", "NOISE"), rows))
    return 0


def _calibrate(args: argparse.Namespace, console: Console) -> int:
    with open_command_engine(args, runs_jobs=False) as engine:
        figures = engine.calibrate(args.device, noise_model=args.noise)
    if args.json:
        console.json({"device": args.device, "calibration": figures})
        return 0
    console.print(table(("figure", "value"), [(k, f"{v:.6g}") for k, v in figures.items()]))
    return 0


def register(sub: Any) -> None:
    """Add the device subcommands."""
    p = sub.add_parser("devices", help="list devices with status and queue depth",
                       description="List every device of every driver.")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_server_arguments(p)
    p.set_defaults(handler=_devices)

    p = sub.add_parser("calibrate", help="measure a simulator device's error rates",
                       description="Run a few small circuits to measure readout and gate error "
                                   "of a device under a noise model.")
    p.add_argument("device", help="device id, e.g. aer or cirq:density_matrix")
    p.add_argument("--noise", metavar="MODEL", help="noise model to calibrate under")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_server_arguments(p)
    p.set_defaults(handler=_calibrate)

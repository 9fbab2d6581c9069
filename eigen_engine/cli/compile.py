"""``eigen compile PROGRAM [--qasm] [--json] [--seed S] [--input NAME=VALUE]...``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from eigen_engine.cli.app import Console
from eigen_engine.errors import ErrorDetail, InvalidArgument

__all__ = ["parse_inputs", "register"]


def parse_inputs(pairs: list[str] | None) -> dict[str, Any]:
    """Parse ``NAME=VALUE`` pairs; values are JSON when they parse as JSON, else strings.

    Raises:
        InvalidArgument: a pair has no ``=`` or an empty name.
    """
    out: dict[str, Any] = {}
    for pair in pairs or []:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidArgument(
                f"--input {pair!r} must look like NAME=VALUE (e.g. --input n_routes=4)",
                details=[ErrorDetail("--input", "expected NAME=VALUE")],
            )
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        out[name.strip()] = value
    return out


def read_program(path: str) -> bytes:
    """Read a program file, with a clear error when it is missing or too large.

    Raises:
        InvalidArgument: the file cannot be read.
    """
    p = Path(path)
    try:
        if p.stat().st_size > 1024 * 1024:
            raise InvalidArgument(f"{path} is larger than 1 MiB; Eigen-Lang programs are limited "
                                  "to 256 KiB")
        return p.read_bytes()
    except FileNotFoundError:
        raise InvalidArgument(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InvalidArgument(f"{path} is a directory; give a program file") from None
    except OSError as exc:
        raise InvalidArgument(f"cannot read {path}: {exc.strerror}") from None


def _run(args: argparse.Namespace, console: Console) -> int:
    from eigen_engine.compiler import compile_source

    source = read_program(args.program)
    program = compile_source(source, seed=args.seed, inputs=parse_inputs(args.input),
                             filename=args.program)
    for d in program.diagnostics:
        console.warn(d.format(args.program))
    if args.json:
        payload: dict[str, Any] = {
            "aqo": program.aqo,
            "sha256": program.sha256,
            "source_sha256": program.source_sha256,
            "kind": program.kind,
            "diagnostics": [d.to_dict() for d in program.diagnostics],
        }
        if args.qasm:
            payload["qasm"] = program.qasm
        console.json(payload)
    elif args.qasm:
        console.out.write(program.qasm)
    else:
        console.print(json.dumps(program.aqo, sort_keys=True, indent=2))
    return 0


def register(sub: Any) -> None:
    """Add the ``compile`` subcommand."""
    p = sub.add_parser("compile", help="compile a program to AQO (never runs it)",
                       description="Compile an Eigen-Lang program to AQO without executing it.")
    p.add_argument("program", help="the program file (program.eigen.py)")
    p.add_argument("--qasm", action="store_true", help="print OpenQASM 3 instead of AQO")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--seed", type=int, default=None, help="seed for np.random in the program")
    p.add_argument("--input", action="append", metavar="NAME=VALUE",
                   help="override an entrypoint input (repeatable)")
    p.set_defaults(handler=_run)

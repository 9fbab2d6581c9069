"""``eigen``: argument parsing, dispatch, and the one place errors become exit codes.

Exit codes: 0 ok, 2 user error (bad program or spec), 3 cannot reach the server, 4 the job
ended in ERROR or CANCELLED (or an internal failure).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from eigen_engine.errors import CompileError, EigenError

__all__ = ["Console", "main"]


class Console:
    """Where a command writes: results to ``out``, diagnostics and progress to ``err``."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def print(self, text: str = "") -> None:
        """Write a line of output."""
        self.out.write(text + "\n")

    def warn(self, text: str) -> None:
        """Write a line to the error stream."""
        self.err.write(text + "\n")

    def json(self, obj: object) -> None:
        """Write one JSON object (sorted keys) as a line."""
        self.out.write(json.dumps(obj, sort_keys=True) + "\n")


Command = Callable[[argparse.Namespace, Console], int]


def build_parser() -> argparse.ArgumentParser:
    """The ``eigen`` argument parser with every subcommand."""
    from eigen_engine.cli import compile as compile_cmd
    from eigen_engine.cli import devices, jobs
    from eigen_engine.cli import serve as serve_cmd

    parser = argparse.ArgumentParser(
        prog="eigen",
        description="Compile and run Eigen-Lang hybrid quantum programs.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    compile_cmd.register(sub)
    jobs.register(sub)
    devices.register(sub)
    serve_cmd.register(sub)
    return parser


def _report(exc: EigenError, args: argparse.Namespace, console: Console) -> int:
    if getattr(args, "json", False):
        console.json(exc.to_envelope())
    if isinstance(exc, CompileError):
        for d in exc.diagnostics:
            console.warn(d.format(exc.filename or "<program>"))
    elif not getattr(args, "json", False):
        console.warn(f"eigen: error: {exc.message}")
        for detail in exc.details:
            console.warn(f"  {detail.field}: {detail.message}")
    return exc.exit_code


def main(argv: Sequence[str] | None = None, console: Console | None = None) -> int:
    """Run the ``eigen`` command; returns the exit code.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).
        console: Output streams (default: stdout/stderr).
    """
    console = console or Console()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from eigen_engine import __version__

        console.print(f"eigen {__version__}")
        return 0
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(console.out)
        return 2
    try:
        return handler(args, console)
    except EigenError as exc:
        return _report(exc, args, console)
    except KeyboardInterrupt:
        console.warn("eigen: interrupted")
        return 130

"""Job commands: ``eigen submit | status | watch | results | cancel | jobs``."""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eigen_engine.cli.app import Console
from eigen_engine.cli.compile import parse_inputs, read_program
from eigen_engine.cli.remote_client import add_server_arguments, open_engine
from eigen_engine.cli.render import (
    age,
    counts_table,
    job_line,
    job_summary,
    outputs_text,
    progress_text,
    table,
)
from eigen_engine.errors import CompileError, ErrorCode, JobCancelled, JobError, JobFailed
from eigen_engine.qrtx.records import JobRecord
from eigen_engine.qrtx.states import JobState

__all__ = ["open_command_engine", "register"]

_POLL_S = 0.1


@contextlib.contextmanager
def open_command_engine(args: argparse.Namespace, *, runs_jobs: bool) -> Iterator[Any]:
    """Open the engine for a command and close it afterwards.

    ``runs_jobs=False`` (reading, cancelling) asks for an embedded engine that does not
    start running queued jobs in this process.
    """
    engine = open_engine(args, run_scheduler=runs_jobs)
    try:
        yield engine
    finally:
        close = getattr(engine, "close", None)
        if close is not None:
            close()


def _is_remote(engine: Any) -> bool:
    from eigen_engine.remote import RemoteEngine

    return isinstance(engine, RemoteEngine)


# -- submit ---------------------------------------------------------------------------------

def _submit(args: argparse.Namespace, console: Console) -> int:
    spec: str | None = args.job
    source: str | None = None
    if args.program:
        if args.program.endswith((".yaml", ".yml")) and spec is None:
            spec = args.program
        else:
            source = read_program(args.program).decode("utf-8", errors="strict")
    if spec is None and source is None:
        console.warn("eigen submit: give a program file or --job job.yaml "
                     "(e.g. eigen submit --job examples/bell/job.yaml --wait)")
        return 2
    options: dict[str, Any] = {
        "target": args.target,
        "shots": args.shots,
        "priority": args.priority,
        "seed": args.seed,
        "noise_model": args.noise,
        "name": args.name,
        "timeout": args.timeout,
        "optimization_level": args.optimization_level,
        "inputs": parse_inputs(args.input) or None,
    }
    with open_command_engine(args, runs_jobs=True) as engine:
        try:
            job = engine.submit(source, str(Path(spec)) if spec else None,
                                **{k: v for k, v in options.items() if v is not None})
        except CompileError as exc:
            if source is not None:
                exc.filename = args.program  # diagnostics name the file the user gave
            raise
        remote = _is_remote(engine)
        if not args.wait and remote:
            if args.json:
                console.json({"job_id": job.id, "state": job.status().state.value})
            else:
                console.print(job.id)
            return 0
        if not args.wait:
            # No server: the job runs in this process, so stay until it is done.
            console.print(job.id)
            console.warn("eigen: no Eigen server found; running the job here "
                         "(start one with `eigen serve` to return at once)")
            engine.wait(job.id)
            return 0
        if not args.json:
            console.warn(f"submitted {job.id}")
        return _follow(engine, job.id, args, console, show_result=True)


def _follow(engine: Any, job_id: str, args: argparse.Namespace, console: Console, *,
            show_result: bool) -> int:
    """Show a job's progress until it finishes; Ctrl-C cancels it."""
    try:
        record = _watch(engine, job_id, console, quiet=args.json)
    except KeyboardInterrupt:
        with contextlib.suppress(Exception):
            engine.cancel(job_id)
        console.warn(f"eigen: interrupted; job {job_id} was cancelled")
        return 130
    return _finish(engine, record, args, console, show_result=show_result)


def _watch(engine: Any, job_id: str, console: Console, *, quiet: bool) -> JobRecord:
    """Poll a job and print each state change and progress update until it finishes."""
    last = ""
    live = console.err.isatty() if hasattr(console.err, "isatty") else False
    while True:
        record: JobRecord = engine.status(job_id)
        line = job_line(record)
        if line != last and not quiet:
            if live:
                console.err.write("\r\x1b[2K" + line + ("\n" if record.is_terminal else ""))
                console.err.flush()
            elif record.is_terminal or record.state.value not in last.split():
                console.warn(line)
            last = line
        if record.is_terminal:
            return record
        time.sleep(_POLL_S)


def _finish(engine: Any, record: JobRecord, args: argparse.Namespace, console: Console, *,
            show_result: bool) -> int:
    if record.state is not JobState.DONE:
        if args.json:
            console.json({
                "job_id": record.id,
                "state": record.state.value,
                "results": None,
                "error": {"code": (record.error_code or ErrorCode.INTERNAL).value,
                          "message": record.error_message},
            })
        else:
            console.warn(f"eigen: job {record.id} ended {record.state.value}: "
                         f"{record.error_message or 'no message'}")
        return JobError.exit_code
    if not show_result:
        return 0
    result = engine.result(record.id)
    if args.json:
        console.json(result.to_dict())
        return 0
    if result.counts:
        console.print(counts_table(result.counts))
    if result.outputs not in (None, {}, []):
        console.print(outputs_text(result.outputs))
    return 0


# -- status, watch, results, cancel ---------------------------------------------------------

def _status(args: argparse.Namespace, console: Console) -> int:
    with open_command_engine(args, runs_jobs=False) as engine:
        record = engine.status(args.job_id)
        if args.json:
            console.json(record.to_dict())
        else:
            console.print(job_summary(record))
    return 0


def _watch_cmd(args: argparse.Namespace, console: Console) -> int:
    with open_command_engine(args, runs_jobs=False) as engine:
        record = engine.status(args.job_id)
        if record.is_terminal:
            return _finish(engine, record, args, console, show_result=False)
        try:
            record = _watch(engine, args.job_id, console, quiet=args.json)
        except KeyboardInterrupt:
            console.warn(f"eigen: stopped watching; job {args.job_id} goes on")
            return 130
        if args.json:
            console.json(record.to_dict())
            return 0 if record.state is JobState.DONE else JobError.exit_code
        return _finish(engine, record, args, console, show_result=False)


def _results(args: argparse.Namespace, console: Console) -> int:
    with open_command_engine(args, runs_jobs=False) as engine:
        record = engine.status(args.job_id)
        if not record.is_terminal:
            console.warn(f"eigen: job {record.id} is {record.state.value}; results come when it "
                         f"is DONE (follow it with `eigen watch {record.id}`)")
            return JobError.exit_code if not args.wait else _follow(
                engine, record.id, args, console, show_result=True)
        try:
            return _finish(engine, record, args, console, show_result=True)
        except (JobFailed, JobCancelled) as exc:
            console.warn(f"eigen: {exc.message}")
            return exc.exit_code


def _cancel(args: argparse.Namespace, console: Console) -> int:
    with open_command_engine(args, runs_jobs=False) as engine:
        record = engine.cancel(args.job_id)
        if args.json:
            console.json(record.to_dict())
        else:
            console.print(f"{record.id} {record.state.value}")
    return 0


def _jobs(args: argparse.Namespace, console: Console) -> int:
    with open_command_engine(args, runs_jobs=False) as engine:
        state = JobState(args.state.upper()) if args.state else None
        records = engine.jobs(state=state, search=args.search, limit=args.limit)
        if args.json:
            console.json({"jobs": [r.to_dict() for r in records]})
            return 0
        if not records:
            console.print("no jobs" + (f" in state {state.value}" if state else ""))
            return 0
        now = time.time()
        rows = [
            (r.id, r.name, r.state.value, r.target, r.priority, age(r.created_at, now),
             progress_text(r) or (r.error_message or "")[:60])
            for r in records
        ]
        console.print(table(("ID", "NAME", "STATE", "TARGET", "PRIO", "AGE", "PROGRESS / ERROR"),
                            rows))
    return 0


# -- parsers ------------------------------------------------------------------------------

def register(sub: Any) -> None:
    """Add the job subcommands."""
    p = sub.add_parser(
        "submit", help="submit a program or job file as a job",
        description="Compile a program and run it as a job. Give a program file, or a job file "
                    "with --job (or as the argument); flags override the job file, which "
                    "overrides the program's @hybrid_program defaults.")
    p.add_argument("program", nargs="?", help="program.eigen.py (or a job.yaml)")
    p.add_argument("--job", metavar="JOB_YAML", help="a JobSpec file (job.yaml)")
    p.add_argument("--wait", action="store_true", help="follow the job and print its results")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--target", help="device or target, e.g. aer, cirq, aer:density_matrix")
    p.add_argument("--shots", type=int, help="samples per circuit execution")
    p.add_argument("--priority", type=int, help="0 (lowest) to 100 (highest); default 50")
    p.add_argument("--seed", type=int, help="seed for np.random and the simulators")
    p.add_argument("--noise", metavar="MODEL",
                   help="noise model, e.g. depolarizing:0.01+readout:0.02")
    p.add_argument("--name", help="display name of the job")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="execution time limit")
    p.add_argument("--optimization-level", type=int, choices=range(4), metavar="{0,1,2,3}",
                   help="transpiler effort (0: run the gates as written; default 1)")
    p.add_argument("--input", action="append", metavar="NAME=VALUE",
                   help="override an entrypoint input (repeatable)")
    add_server_arguments(p)
    p.set_defaults(handler=_submit)

    for name, handler, text in (
        ("status", _status, "show a job's state, progress and timeline"),
        ("watch", _watch_cmd, "follow a job's state live until it finishes"),
        ("results", _results, "print a finished job's counts and outputs"),
        ("cancel", _cancel, "cancel a job (from any unfinished state)"),
    ):
        p = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        p.add_argument("job_id", metavar="ID", help="the job id (j-...)")
        p.add_argument("--json", action="store_true", help="print one JSON object")
        if name == "results":
            p.add_argument("--wait", action="store_true", help="wait if it is not finished")
        add_server_arguments(p)
        p.set_defaults(handler=handler)

    p = sub.add_parser("jobs", help="list jobs, newest first",
                       description="List jobs, newest first.")
    p.add_argument("--state", help="only jobs in this state (e.g. running, done)")
    p.add_argument("--search", help="only jobs whose name or id contains this")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_server_arguments(p)
    p.set_defaults(handler=_jobs)

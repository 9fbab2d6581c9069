"""``EigenMagics``: the ``%eigen`` / ``%%eigen`` magic and its subcommands.

Errors are mapped here, once: engine errors about the request (bad options, unknown job or
device, unreachable server) become ``UsageError`` — one line, no traceback; a program that
does not compile is shown as compiler diagnostics (text and HTML output), and the cell then
fails with a one-line error so "Run All" stops there.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from eigen_jupyter.magics.connection import get_engine
from eigen_jupyter.magics.parser import help_text, parse, parse_inputs

__all__ = ["CellFailed", "EigenMagics"]


class CellFailed(Exception):
    """The cell failed for a reason already displayed above it (compiler diagnostics, a job
    that ended in ERROR, an interrupt). IPython shows this one line instead of a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


class CompileFailed(CellFailed):
    """The program did not compile; its diagnostics are shown above."""


class JobInterrupted(CellFailed):
    """The kernel was interrupted while waiting; the job was cancelled."""


class JobUnsuccessful(CellFailed):
    """A waited-for job ended in ERROR or CANCELLED."""


@contextmanager
def _usage_errors() -> Iterator[None]:
    """Turn the engine's request errors into ``UsageError`` (the one mapping of this surface)."""
    from eigen_engine.errors import CompileError, EigenError, JobError

    try:
        yield
    except (CompileError, JobError):
        raise
    except EigenError as exc:
        details = [f"  {d.field}: {d.message}" for d in exc.details
                   if d.message not in exc.message]
        raise UsageError("\n".join([exc.message, *details])) from None


def _split(line: str) -> list[str]:
    from IPython.utils.process import arg_split

    try:
        return arg_split(line, posix=True)
    except ValueError as exc:  # an unclosed quote
        raise UsageError(f"cannot read the magic line ({exc}); close the quotes") from None


@magics_class
class EigenMagics(Magics):
    """``%eigen SUBCOMMAND ...`` and ``%%eigen SUBCOMMAND ...`` (see ``%eigen help``)."""

    @property
    def engine(self) -> Any:
        """The engine this kernel's magics use (see :mod:`eigen_jupyter.magics.connection`)."""
        with _usage_errors():
            return get_engine()

    @line_cell_magic
    def eigen(self, line: str, cell: str | None = None) -> None:
        """Run Eigen-Lang programs and inspect jobs; ``%eigen help`` lists the subcommands."""
        body = cell if cell is not None and cell.strip() else None
        command, args = parse(_split(line), has_body=body is not None)
        handler = getattr(self, f"_{command.name}")
        with _usage_errors():
            handler(args, body)

    # -- helpers -------------------------------------------------------------------------------

    def _bind(self, name: str | None, value: Any) -> None:
        if name:
            self.shell.user_ns[name] = value

    @staticmethod
    def _display(*objects: Any) -> None:
        from IPython.display import display

        display(*objects)

    def _program(self, body: str | None, command: str) -> str:
        if body is None:
            raise UsageError(f"the cell has no program: write the Eigen-Lang program under the "
                             f"`%%eigen {command}` line")
        return body

    def _compile_failed(self, exc: Any, source: str, filename: str,
                        line_offset: int) -> NoReturn:
        from eigen_jupyter.widgets.diagnostics import DiagnosticsReport

        report = DiagnosticsReport(exc.diagnostics or exc.details, source, filename=filename,
                                   line_offset=line_offset)
        self._display(report)
        raise CompileFailed(f"the program did not compile ({report.title}, shown above); "
                            "fix it and run the cell again") from None

    @staticmethod
    def _compile_options(args: argparse.Namespace) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if args.seed is not None:
            options["seed"] = args.seed
        inputs = parse_inputs(args.input)
        if inputs:
            options["inputs"] = inputs
        return options

    # -- cell subcommands ----------------------------------------------------------------------

    def _submit(self, args: argparse.Namespace, body: str | None) -> None:
        from eigen_engine.errors import CompileError
        from eigen_engine.qrtx.states import JobState
        from eigen_jupyter.widgets.job_view import JobView

        if body is None and not args.job:
            self._program(body, "submit")
        engine = self.engine
        try:
            job = engine.submit(
                body, spec=args.job, target=args.target, shots=args.shots,
                priority=args.priority, seed=args.seed, inputs=parse_inputs(args.input) or None,
                name=args.name, noise_model=args.noise_model)
        except CompileError as exc:
            source, filename, offset = body or "", "cell", 1
            if body is None:
                source, filename, offset = _spec_source(args.job), args.job, 0
            self._compile_failed(exc, source, filename, offset)
        self._bind(args.output, job)
        view = None
        try:
            view = JobView(engine, job.id)
            view.show()
            if not args.wait:
                return
            record = engine.wait(job.id)
        except KeyboardInterrupt:
            if not args.wait:
                raise
            self._cancel_on_interrupt(engine, job.id, view)
        view.refresh(record)  # the final record wait() returned: no second read
        if record.state is not JobState.DONE:
            reason = f": {record.error_message}" if record.error_message else ""
            raise JobUnsuccessful(f"job {job.id} ended {record.state.value}{reason}")

    @staticmethod
    def _cancel_on_interrupt(engine: Any, job_id: str, view: Any) -> NoReturn:
        """Kernel > Interrupt while waiting: cancel the job, show it, fail the cell."""
        from eigen_engine.errors import FailedPrecondition

        try:
            engine.cancel(job_id)
        except FailedPrecondition:  # it finished just now
            state = engine.status(job_id).state.value
            message = f"interrupted; job {job_id} had already finished ({state})"
        else:
            message = f"interrupted: job {job_id} was cancelled"
        if view is not None:
            view.refresh()
        raise JobInterrupted(message)

    def _compile(self, args: argparse.Namespace, body: str | None) -> None:
        from eigen_engine.errors import CompileError
        from eigen_jupyter.widgets.circuit import CircuitDrawing
        from eigen_jupyter.widgets.diagnostics import DiagnosticsReport
        from eigen_jupyter.widgets.program import ProgramSummary

        source = self._program(body, "compile")
        try:
            program = self.engine.compile(source, **self._compile_options(args))
        except CompileError as exc:
            self._compile_failed(exc, source, "cell", 1)
        if program.diagnostics:
            self._display(DiagnosticsReport(program.diagnostics, source, line_offset=1))
        self._display(CircuitDrawing(program.aqo, title=program.entrypoint),
                      ProgramSummary(program))
        self._bind(args.output, program)

    def _validate(self, args: argparse.Namespace, body: str | None) -> None:
        from eigen_engine.errors import CompileError
        from eigen_jupyter.widgets.diagnostics import DiagnosticsReport

        source = self._program(body, "validate")
        try:
            program = self.engine.compile(source, **self._compile_options(args))
        except CompileError as exc:
            self._display(DiagnosticsReport(exc.diagnostics or exc.details, source,
                                            line_offset=1))
            return
        report = DiagnosticsReport(program.diagnostics, source, line_offset=1)
        qubits = program.aqo.get("qubits")
        summary = (f"valid: @hybrid_program `{program.entrypoint}`, {program.kind}, "
                   f"{qubits} qubits")
        if program.diagnostics:
            summary += f" ({report.title})"
        report = DiagnosticsReport(program.diagnostics, source, line_offset=1, title=summary)
        self._display(report)

    # -- line subcommands ----------------------------------------------------------------------

    def _status(self, args: argparse.Namespace, body: str | None) -> None:
        from eigen_jupyter.widgets.job_view import JobView

        engine = self.engine
        job = engine.job(args.job_id)
        JobView(engine, args.job_id).show()
        self._bind(args.output, job)

    def _results(self, args: argparse.Namespace, body: str | None) -> None:
        from eigen_engine.errors import JobError
        from eigen_jupyter.widgets.convergence import read_iterations
        from eigen_jupyter.widgets.result import ResultView

        engine = self.engine
        record = engine.status(args.job_id)
        if not record.is_terminal and not args.wait:
            raise UsageError(f"job {args.job_id} is {record.state.value}: it has no results "
                             f"yet; use `%eigen results {args.job_id} --wait` to wait for "
                             f"them, or `%eigen status {args.job_id}` to watch it")
        try:
            result = engine.result(args.job_id)
        except KeyboardInterrupt:
            raise UsageError(f"stopped waiting; job {args.job_id} goes on "
                             f"(`%eigen status {args.job_id}` shows it)") from None
        except JobError as exc:
            raise UsageError(f"{exc.message}; it has no results (`%eigen status "
                             f"{args.job_id}` shows it)") from None
        history: list[dict[str, Any]] = []
        if "iterations.jsonl" in engine.artifacts(args.job_id):
            history = read_iterations(engine.artifact(args.job_id, "iterations.jsonl"))
        self._display(ResultView(result, title=f"Result of {record.name} ({args.job_id})",
                                 history=history))
        self._bind(args.output, result)

    def _cancel(self, args: argparse.Namespace, body: str | None) -> None:
        record = self.engine.cancel(args.job_id)
        print(f"job {args.job_id} is {record.state.value}")

    def _jobs(self, args: argparse.Namespace, body: str | None) -> None:
        from eigen_jupyter.widgets.tables import JobTable

        records = self.engine.jobs(state=args.state, search=args.search, limit=args.limit)
        self._display(JobTable(records))
        self._bind(args.output, records)

    def _devices(self, args: argparse.Namespace, body: str | None) -> None:
        from eigen_jupyter.widgets.tables import DeviceTable

        devices = self.engine.devices()
        self._display(DeviceTable(devices))
        self._bind(args.output, devices)

    def _help(self, args: argparse.Namespace, body: str | None) -> None:
        print(help_text(args.topic))


def _spec_source(path: str) -> str:
    """The program a JobSpec names, to quote in diagnostics ("" if it cannot be read)."""
    try:
        from eigen_engine.jobspec import load_jobspec

        return load_jobspec(path).source
    except Exception:  # the diagnostics are shown without source lines
        return ""

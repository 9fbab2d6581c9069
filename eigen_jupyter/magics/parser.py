"""Arguments of ``%eigen`` / ``%%eigen``: one parser per subcommand, errors as ``UsageError``.

Every message names the bad value and the fix, and ends with the subcommand's usage line.
"""

from __future__ import annotations

import argparse
import difflib
import json
import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from IPython.core.error import UsageError

__all__ = ["COMMANDS", "Command", "help_text", "parse", "parse_inputs"]

_JOB_ID = re.compile(r"j-[0-9a-f]{12}")


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises ``UsageError`` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}\n{self.format_usage().strip()}  (`%eigen help "
                         f"{self.prog.split()[-1]}` explains every option)")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise UsageError(message or self.format_usage())


def _int_in(name: str, low: int, high: int | None, example: str) -> Any:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(
                f"{name} must be an integer {bound}, not {text!r} (e.g. {example})")
        return value

    return convert


def _job_id(text: str) -> str:
    if not _JOB_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a job id; job ids look like j-0123456789ab (`%eigen jobs` lists "
            "them)")
    return text


def _identifier(text: str) -> str:
    if not text.isidentifier() or keyword.iskeyword(text):
        raise argparse.ArgumentTypeError(
            f"-o needs a Python variable name, not {text!r} (e.g. -o job)")
    return text


def parse_inputs(pairs: Sequence[str] | None) -> dict[str, Any]:
    """``NAME=VALUE`` pairs to a dict; a value is JSON when it parses as JSON, else a string.

    Raises:
        UsageError: a pair has no ``=`` or its name is not an identifier.
    """
    out: dict[str, Any] = {}
    for pair in pairs or ():
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"--input {pair!r} must look like NAME=VALUE with NAME an input "
                             "of the program, e.g. --input n_qubits=4 or --input "
                             "'weights=[1, 2]'")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        out[name] = value
    return out


@dataclass(frozen=True, slots=True)
class Command:
    """One subcommand.

    Attributes:
        name: What follows ``%eigen``.
        cell: ``True``: the cell body is the program (``%%eigen NAME``); ``False``: a line
            magic whose cell body must be empty.
        summary: One line for ``%eigen help``.
        parser: Its argument parser.
    """

    name: str
    cell: bool
    summary: str
    parser: argparse.ArgumentParser


def _parser(name: str, description: str) -> _Parser:
    magic = "%%eigen" if name in ("submit", "compile", "validate") else "%eigen"
    return _Parser(prog=f"{magic} {name}", description=description, add_help=False,
                   allow_abbrev=False)


def _output(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("-o", "--output", metavar="NAME", type=_identifier,
                   help=f"store {what} in the variable NAME")


def _program_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=_int_in("--seed", 0, 2**63 - 1, "--seed 7"),
                   help="job seed: drives np.random in the program and the simulator")
    p.add_argument("--input", action="append", metavar="NAME=VALUE", default=[],
                   help="override an input of the @hybrid_program function (repeatable; "
                        "VALUE is JSON, else a string)")


def _build() -> dict[str, Command]:
    submit = _parser("submit", "Compile the program in the cell and run it as a job; shows a "
                     "live view of the job.")
    submit.add_argument("--target", metavar="T", help="device, e.g. simulator, aer:mps, cirq")
    submit.add_argument("--shots", type=_int_in("--shots", 1, None, "--shots 1000"))
    submit.add_argument("--priority", type=_int_in("--priority", 0, 100, "--priority 80"),
                        help="0 (lowest) to 100 (highest); default 50")
    _program_options(submit)
    submit.add_argument("--noise", metavar="MODEL", dest="noise_model",
                        help="noise model, e.g. depolarizing:0.001+readout:0.02")
    submit.add_argument("--name", help="display name of the job")
    submit.add_argument("--job", metavar="job.yaml", help="a JobSpec; the cell body, if any, "
                        "replaces its program; flags override its options")
    submit.add_argument("--wait", action="store_true", help="block until the job finishes "
                        "(Kernel > Interrupt cancels it)")
    _output(submit, "the Job handle")

    compile_ = _parser("compile", "Compile the program in the cell without running it: "
                       "circuit drawing, AQO summary and OpenQASM 3.")
    _program_options(compile_)
    _output(compile_, "the CompiledProgram")

    validate = _parser("validate", "Check the program in the cell and show its diagnostics.")
    _program_options(validate)

    status = _parser("status", "Show a job's state (live while it runs).")
    status.add_argument("job_id", type=_job_id, metavar="JOB_ID")
    _output(status, "the Job handle")

    results = _parser("results", "Show a finished job's results (works after a kernel "
                      "restart).")
    results.add_argument("job_id", type=_job_id, metavar="JOB_ID")
    results.add_argument("--wait", action="store_true", help="wait for the job to finish")
    _output(results, "the JobResult")

    cancel = _parser("cancel", "Cancel a job that has not finished.")
    cancel.add_argument("job_id", type=_job_id, metavar="JOB_ID")

    jobs = _parser("jobs", "List jobs, newest first.")
    jobs.add_argument("--state", type=str.upper, choices=["PENDING", "COMPILING", "QUEUED",
                      "RUNNING", "DONE", "ERROR", "CANCELLED"], metavar="STATE",
                      help="only jobs in this state")
    jobs.add_argument("--search", metavar="TEXT", help="only jobs whose name or id contains "
                      "TEXT")
    jobs.add_argument("--limit", type=_int_in("--limit", 1, 10_000, "--limit 20"), default=20)
    _output(jobs, "the list of JobRecords")

    devices = _parser("devices", "List the devices jobs can target.")
    _output(devices, "the list of DeviceInfo")

    help_ = _parser("help", "Explain the subcommands.")
    help_.add_argument("topic", nargs="?", metavar="SUBCOMMAND")

    return {c.name: c for c in (
        Command("submit", True, "run the program in the cell as a job", submit),
        Command("compile", True, "compile the cell: circuit, AQO summary, QASM", compile_),
        Command("validate", True, "check the cell and show diagnostics", validate),
        Command("status", False, "state of a job (live while it runs)", status),
        Command("results", False, "results of a finished job, by id", results),
        Command("cancel", False, "cancel a job", cancel),
        Command("jobs", False, "list jobs", jobs),
        Command("devices", False, "list devices", devices),
        Command("help", False, "this help", help_),
    )}


COMMANDS: Mapping[str, Command] = _build()
"""Every subcommand by name."""


def parse(words: Sequence[str], *, has_body: bool) -> tuple[Command, argparse.Namespace]:
    """Find the subcommand named by ``words[0]`` and parse the rest.

    Args:
        words: The magic's line, split like a shell.
        has_body: Whether the cell has a non-blank body.

    Raises:
        UsageError: no or an unknown subcommand, bad options, or a body where none belongs.
    """
    if not words:
        raise UsageError("%eigen needs a subcommand: " + ", ".join(COMMANDS)
                         + " (e.g. `%%eigen submit --wait` above a program; `%eigen help`)")
    name, rest = words[0], list(words[1:])
    command = COMMANDS.get(name)
    if command is None:
        close = difflib.get_close_matches(name, list(COMMANDS), n=1)
        hint = f"did you mean `{close[0]}`? " if close else ""
        raise UsageError(f"unknown subcommand {name!r}; {hint}use one of "
                         + ", ".join(COMMANDS) + " (`%eigen help` explains them)")
    if has_body and not command.cell:
        raise UsageError(f"`%%eigen {name}` takes no cell body; write `%eigen {name} ...` on "
                         "one line, or put the program under `%%eigen submit`")
    return command, command.parser.parse_args(rest)


def help_text(topic: str | None = None) -> str:
    """The text of ``%eigen help`` (all subcommands) or ``%eigen help SUBCOMMAND``."""
    if topic:
        command = COMMANDS.get(topic)
        if command is None:
            raise UsageError(f"no subcommand {topic!r}; use one of " + ", ".join(COMMANDS))
        return command.parser.format_help()
    width = max(len(n) for n in COMMANDS)
    lines = ["Eigen magics: run Eigen-Lang programs from notebook cells.", ""]
    for c in COMMANDS.values():
        magic = "%%eigen" if c.cell else "%eigen "
        lines.append(f"  {magic} {c.name.ljust(width)}  {c.summary}")
    lines += ["",
              "The cell body of %%eigen submit/compile/validate is the program; it is never",
              "expanded. On the magic line, {expr} and $name are expanded as usual in IPython",
              "(e.g. %eigen results {job.id}). `%eigen help SUBCOMMAND` shows its options.",
              "Example:",
              "  %%eigen submit --shots 1000 --wait -o job",
              "  from eigen_lang import hybrid_program, h, cx",
              "  @hybrid_program()",
              "  def bell():",
              "      h(0)",
              "      cx(0, 1)"]
    return "\n".join(lines)

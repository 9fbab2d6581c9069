"""The ``%eigen`` / ``%%eigen`` magics through a real IPython shell and a real engine."""

from __future__ import annotations

import _thread
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from eigen_engine.engine import Engine
from eigen_engine.job import Job, JobResult
from eigen_engine.qrtx.states import JobState
from eigen_jupyter.magics import use_engine
from eigen_jupyter.magics.commands import CompileFailed, JobInterrupted


def run(ip: Any, source: str) -> tuple[Any, Any]:
    """Run a cell; return (ExecutionResult, captured stdout/stderr/displays)."""
    with capture_output() as captured:
        result = ip.run_cell(source)
    return result, captured


def texts(captured: Any, mime: str = "text/plain") -> str:
    """Everything the cell showed as ``mime``, joined (displays, then stdout and stderr),
    without terminal colours."""
    shown = [o.data.get(mime, "") for o in captured.outputs]
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join([*shown, captured.stdout, captured.stderr]))


def test_submit_wait_runs_bell_and_binds_the_job(ip: Any, programs: Any) -> None:
    result, captured = run(ip, "%%eigen submit --wait --shots 400 --seed 5 -o job\n"
                           + programs.bell)

    assert result.error_in_exec is None
    job = ip.user_ns["job"]
    assert isinstance(job, Job)
    counts = job.result().counts
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 400
    # The job view's display, or its update once the job finished, shows the final state.
    display_id = captured.outputs[0].transient["display_id"]
    final = [o for o in captured.outputs if o.transient.get("display_id") == display_id][-1]
    assert "DONE" in final.data["text/plain"] and "<svg" in final.data["image/svg+xml"]
    assert "<svg" in final.data["text/html"] and "image/png" not in final.data  # no matplotlib


def test_compile_shows_drawing_summary_and_qasm(ip: Any, programs: Any) -> None:
    result, captured = run(ip, "%%eigen compile -o program\n" + programs.bell)

    assert result.error_in_exec is None
    assert "OPENQASM 3.0;" in texts(captured) and "cx q[0], q[1];" in texts(captured)
    assert "entrypoint" in texts(captured, "text/html")
    assert any("image/png" in o.data for o in captured.outputs)  # the circuit drawing
    assert ip.user_ns["program"].aqo["qubits"] == 2


def test_validate_shows_code_caret_and_hint_without_a_traceback(ip: Any,
                                                                programs: Any) -> None:
    result, captured = run(ip, "%%eigen validate\n" + programs.bad)

    assert result.error_in_exec is None
    text = texts(captured)
    assert "cell:6:5: error E201" in text  # line 6 of the cell: the %%eigen line is line 1
    assert "        while True:\n        ^~~~~~~~~~~" in text
    assert "hint:" in text
    assert "E201" in texts(captured, "text/html")
    assert "Traceback" not in text


def test_validate_accepts_a_good_program(ip: Any, programs: Any) -> None:
    result, captured = run(ip, "%%eigen validate\n" + programs.vqe)

    assert result.error_in_exec is None
    assert "valid: @hybrid_program `vqe`, hybrid, 2 qubits" in texts(captured)


def test_submit_of_a_bad_program_shows_diagnostics_and_fails_in_one_line(
        ip: Any, engine: Engine, programs: Any) -> None:
    before = len(engine.jobs(limit=1000))
    result, captured = run(ip, "%%eigen submit --wait\n" + programs.bad)

    assert isinstance(result.error_in_exec, CompileFailed)
    text = texts(captured)
    assert "^~~~~~~~~~~" in text and "E201" in text
    assert "Traceback" not in text and "CompileFailed: the program did not compile" in text
    assert len(engine.jobs(limit=1000)) == before  # nothing was submitted


@pytest.mark.parametrize(
    ("cell", "fix"),
    [
        ("%eigen", "needs a subcommand"),
        ("%eigen sbmit", "did you mean `submit`"),
        ("%eigen submit", "write the Eigen-Lang program under"),
        ("%eigen submit --shots 0", "--shots must be an integer >= 1"),
        ("%eigen submit --priority 101", "from 0 to 100"),
        ("%eigen submit --job missing.yaml", "missing.yaml"),
        ("%eigen status 42", "job ids look like j-0123456789ab"),
        ("%eigen results j-000000000000", "j-000000000000"),
        ("%eigen jobs --state RUN", "invalid choice"),
        ("%eigen submit --frobnicate", "unrecognized arguments"),
        ("%%eigen status j-000000000000\nh(0)\n", "takes no cell body"),
        ("%%eigen submit -o 1job\nx = 1\n", "-o needs a Python variable name"),
        ("%%eigen submit --input oops\nx = 1\n", "must look like NAME=VALUE"),
        ("%%eigen submit --target nowhere\n" + "from eigen_lang import hybrid_program, h\n"
         "@hybrid_program()\ndef f():\n    h(0)\n", "nowhere"),
        ("%eigen help nothing", "no subcommand 'nothing'"),
    ],
    ids=["empty", "typo", "no-program", "shots", "priority", "missing-jobspec", "bad-id",
         "unknown-job", "bad-state", "unknown-flag", "body-on-line-command", "bad-variable",
         "bad-input", "unknown-target", "help-topic"],
)
def test_usage_errors_name_the_fix(ip: Any, cell: str, fix: str) -> None:
    result, captured = run(ip, cell)

    assert isinstance(result.error_in_exec, UsageError)
    assert fix in str(result.error_in_exec)
    assert "Traceback" not in texts(captured)


def test_results_by_id_from_a_fresh_engine(ip: Any, engine: Engine, programs: Any) -> None:
    job = engine.submit(programs.bell, shots=300, seed=2)
    job.wait(timeout=60)
    with Engine(home=engine.home, workers=1) as fresh:  # what a restarted kernel opens
        previous = use_engine(fresh)
        try:
            result, captured = run(ip, f"%eigen results {job.id} -o result")
        finally:
            use_engine(previous)

    assert result.error_in_exec is None
    assert isinstance(ip.user_ns["result"], JobResult)
    assert ip.user_ns["result"].counts == job.result().counts
    assert f"({job.id})" in texts(captured)
    assert any("image/svg+xml" in o.data for o in captured.outputs)


def test_results_of_a_hybrid_job_show_outputs_and_convergence(ip: Any, engine: Engine,
                                                               programs: Any) -> None:
    job = engine.submit(programs.vqe, seed=5)
    job.wait(timeout=120)
    result, captured = run(ip, f"%eigen results {job.id} -o result")

    assert result.error_in_exec is None
    text = texts(captured)
    assert "energy:" in text and "convergence:" in text
    assert texts(captured, "text/html").count("<svg") == 1  # the convergence plot; no counts


def test_submit_a_jobspec_from_the_line(ip: Any) -> None:
    spec = Path(__file__).parents[3] / "examples" / "bell" / "job.yaml"
    result, _ = run(ip, f"%eigen submit --job {spec} --shots 64 --wait -o job")

    assert result.error_in_exec is None
    counts = ip.user_ns["job"].result().counts
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 64  # the flag wins


def test_results_of_an_unfinished_job_say_how_to_wait(ip: Any, endless_job: Any) -> None:
    result, _ = run(ip, f"%eigen results {endless_job.id}")

    assert isinstance(result.error_in_exec, UsageError)
    assert f"%eigen results {endless_job.id} --wait" in str(result.error_in_exec)


def test_cancel_stops_a_running_job(ip: Any, endless_job: Any) -> None:
    result, captured = run(ip, f"%eigen cancel {endless_job.id}")

    assert result.error_in_exec is None
    assert f"job {endless_job.id} is CANCELLED" in captured.stdout
    assert endless_job.wait(timeout=60).state is JobState.CANCELLED


def test_interrupt_while_waiting_cancels_the_job(ip: Any, engine: Engine, programs: Any,
                                                 wait_until: Any) -> None:
    def interrupt_once_running() -> None:
        wait_until(lambda: any(r.name == "interrupted" for r in engine.jobs(state="RUNNING")))
        _thread.interrupt_main()

    # interrupt_main() raises KeyboardInterrupt only through Python's SIGINT handler, which
    # is not installed when pytest starts with SIGINT ignored (e.g. `nohup ... &`).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Thread(target=interrupt_once_running, daemon=True).start()
    try:
        result, captured = run(ip, "%%eigen submit --wait --name interrupted\n"
                               + programs.endless)
    finally:
        signal.signal(signal.SIGINT, previous)
        for left in engine.jobs(search="interrupted", state="RUNNING"):
            engine.cancel(left.id)  # never leave the endless job running for later tests

    assert isinstance(result.error_in_exec, JobInterrupted)
    assert "was cancelled" in str(result.error_in_exec)
    assert "Traceback" not in texts(captured)
    record = engine.jobs(search="interrupted", limit=1)[0]
    assert engine.wait(record.id, timeout=60).state is JobState.CANCELLED


def test_jobs_lists_submitted_jobs(ip: Any, engine: Engine, programs: Any) -> None:
    job = engine.submit(programs.bell, shots=100, seed=3, name="listed")
    job.wait(timeout=60)
    result, captured = run(ip, "%eigen jobs --search listed -o records")

    assert result.error_in_exec is None
    assert job.id in [r.id for r in ip.user_ns["records"]]
    assert job.id in texts(captured) and job.id in texts(captured, "text/html")


def test_status_shows_the_job_and_binds_its_handle(ip: Any, engine: Engine,
                                                    programs: Any) -> None:
    job = engine.submit(programs.bell, shots=100, seed=4)
    job.wait(timeout=60)
    result, captured = run(ip, f"%eigen status {job.id} -o job")

    assert result.error_in_exec is None
    assert ip.user_ns["job"].id == job.id
    assert "DONE" in texts(captured) and "DONE" in texts(captured, "text/html")


def test_devices_and_help(ip: Any) -> None:
    result, captured = run(ip, "%eigen devices -o devices")
    assert result.error_in_exec is None
    assert "aer:density_matrix" in texts(captured)
    assert any(d.id == "aer" for d in ip.user_ns["devices"])

    result, captured = run(ip, "%eigen help submit")
    assert result.error_in_exec is None
    assert "--wait" in captured.stdout and "--input NAME=VALUE" in captured.stdout


def test_load_ext_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "ip.run_line_magic('load_ext', 'eigen_jupyter')\n"
        "ip.run_line_magic('eigen', 'help')\n"
        "heavy = ('qiskit', 'qiskit_aer', 'cirq', 'matplotlib', 'jupyter_server.serverapp')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert "LOADED []" in out.stdout

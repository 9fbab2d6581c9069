"""``eigen submit | status | watch | results | cancel | jobs | devices``: output and exit codes
with the embedded engine on a temporary home."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from eigen_engine.cli import main
from eigen_engine.cli.app import Console

ROOT = Path(__file__).parents[2]
BELL_JOB = ROOT / "examples" / "bell" / "job.yaml"
BELL = ROOT / "examples" / "bell" / "program.eigen.py"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIGEN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("EIGEN_SERVER_URL", raising=False)
    monkeypatch.delenv("EIGEN_SERVER_TOKEN", raising=False)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), Console(out, err))
    return code, out.getvalue(), err.getvalue()


def test_submit_wait_json_then_read_back_with_every_command() -> None:
    code, out, _ = run("submit", "--job", str(BELL_JOB), "--wait", "--json", "--shots", "500")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"job_id", "state", "results"}
    assert doc["state"] == "DONE"
    assert set(doc["results"]) == {"counts", "outputs", "metadata"}
    counts = doc["results"]["counts"]
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 500
    job_id = doc["job_id"]

    code, out, _ = run("results", job_id, "--json")
    assert code == 0 and json.loads(out) == doc

    code, out, _ = run("results", job_id)
    assert code == 0 and "outcome" in out and "00" in out

    code, out, _ = run("status", job_id)
    assert code == 0 and "DONE" in out and "RUNNING" in out  # the timeline

    code, out, _ = run("jobs", "--json")
    assert code == 0 and [j["id"] for j in json.loads(out)["jobs"]] == [job_id]

    code, out, _ = run("jobs", "--state", "done")
    assert code == 0 and job_id in out and "bell" in out

    code, out, _ = run("watch", job_id)
    assert code == 0

    # A finished job cannot be cancelled: a user error, exit 2.
    code, _, err = run("cancel", job_id)
    assert code == 2 and "finished" in err


def test_submit_a_bare_program_with_flags_prints_the_counts_table() -> None:
    code, out, err = run("submit", str(BELL), "--wait", "--target", "cirq", "--seed", "3",
                         "--shots", "200")
    assert code == 0
    assert "submitted j-" in err
    assert "outcome" in out and "#" in out


def test_a_job_that_ends_in_error_exits_4() -> None:
    code, out, _ = run("submit", str(BELL), "--wait", "--json", "--timeout", "1e-9")
    assert code == 4
    doc = json.loads(out)
    assert doc["state"] == "ERROR" and doc["results"] is None
    assert doc["error"]["code"] == "DEADLINE_EXCEEDED"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["submit", str(BELL), "--target", "nope"], ["unknown target", "nope"]),
        (["submit", str(BELL), "--shots", "-5"], ["shots"]),
        (["submit", "no/such/program.eigen.py"], ["no such file"]),
        (["status", "j-000000000000"], ["no job j-000000000000"]),
        (["status", "../etc"], ["not a job id"]),
        (["submit"], ["give a program file or --job"]),
    ],
    ids=["unknown-target", "negative-shots", "missing-file", "unknown-job", "bad-id",
         "nothing-to-submit"],
)
def test_user_errors_exit_2_with_a_message(argv: list[str], words: list[str]) -> None:
    code, _, err = run(*argv)
    assert code == 2
    for word in words:
        assert word in err


def test_compile_errors_are_printed_like_a_compiler(tmp_path: Path) -> None:
    bad = tmp_path / "bad.eigen.py"
    bad.write_text("from eigen_lang import hybrid_program\n\n@hybrid_program()\n"
                   "def p():\n    while True:\n        pass\n")
    code, _, err = run("submit", str(bad), "--wait")
    assert code == 2
    assert "bad.eigen.py:5:" in err and "E2" in err


def test_devices_lists_every_device_with_queue_depth() -> None:
    code, out, _ = run("devices", "--json")
    assert code == 0
    devices = {d["id"]: d for d in json.loads(out)["devices"]}
    assert {"aer", "aer:density_matrix", "cirq"} <= set(devices)
    assert all(d["queue_depth"] == 0 for d in devices.values())
    code, out, _ = run("devices")
    assert code == 0 and "QUEUE" in out


def test_submit_sets_the_optimization_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run("submit", str(BELL), "--wait", "--json", "--optimization-level", "0")
    assert code == 0
    job_id = json.loads(out)["job_id"]
    stored = (tmp_path / "home" / "circuit_fs" / job_id / "job.yaml").read_text()
    assert "optimization_level: 0" in stored
    with pytest.raises(SystemExit) as exited:  # argparse's usage error: exit 2
        run("submit", str(BELL), "--optimization-level", "7")
    assert exited.value.code == 2
    assert "--optimization-level: invalid choice: 7" in capsys.readouterr().err

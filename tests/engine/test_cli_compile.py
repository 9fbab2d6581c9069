"""``eigen compile``: output forms, diagnostics on stderr, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from eigen_engine.cli import main
from eigen_engine.cli.app import Console

ROOT = Path(__file__).parents[2]
APPENDIX = ROOT / "examples" / "logistics" / "program.eigen.py"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), Console(out, err))
    return code, out.getvalue(), err.getvalue()


def test_compile_prints_aqo_and_warnings_go_to_stderr() -> None:
    code, out, err = run("compile", str(APPENDIX), "--seed", "7")
    assert code == 0
    doc = json.loads(out)
    assert doc["version"] == "1.0.0"
    assert doc["metadata"]["seed"] == 7
    assert "W301" in err and "W100" in err
    assert "W301" not in out


def test_compile_qasm() -> None:
    code, out, _ = run("compile", str(APPENDIX), "--qasm")
    assert code == 0
    assert out.startswith("OPENQASM 3.0;")


def test_compile_json_is_one_object_with_inputs() -> None:
    code, out, _ = run("compile", str(APPENDIX), "--json", "--input", "n_routes=3",
                       "--qasm")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) >= {"aqo", "sha256", "qasm", "diagnostics", "kind"}
    assert payload["aqo"]["metadata"]["inputs"]["n_routes"] == 3
    assert payload["kind"] == "hybrid"


def test_compile_error_lists_every_diagnostic_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.eigen.py"
    bad.write_text("from eigen_lang import hybrid_program\n@hybrid_program()\ndef f():\n"
                   "    while True:\n        pass\n    import os\n")
    code, out, err = run("compile", str(bad))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{bad}:4:5: E201 ")
    assert any(":6:5: E211" in line for line in lines)
    assert any(":6:5: E301" in line for line in lines)


def test_compile_error_json_envelope(tmp_path: Path) -> None:
    bad = tmp_path / "bad.eigen.py"
    bad.write_text("from eigen_lang import hybrid_program\n@hybrid_program()\ndef f():\n"
                   "    x = undefined_name\n")
    code, out, _ = run("compile", str(bad), "--json")
    assert code == 2
    env = json.loads(out)["error"]
    assert env["code"] == "INVALID_ARGUMENT"
    assert env["details"][0]["code"] == "E302"
    assert env["details"][0]["line"] == 4


def test_limit_errors_are_resource_exhausted(tmp_path: Path) -> None:
    bad = tmp_path / "big.eigen.py"
    bad.write_text("from eigen_lang import hybrid_program\n@hybrid_program()\ndef f():\n"
                   "    for i in range(10**12):\n        pass\n")
    code, out, _ = run("compile", str(bad), "--json")
    assert code == 2
    assert json.loads(out)["error"]["code"] == "RESOURCE_EXHAUSTED"


@pytest.mark.parametrize("argv, needle", [
    (["compile", "/nonexistent/program.eigen.py"], "no such file"),
    (["compile", str(ROOT)], "is a directory"),
    (["compile", str(APPENDIX), "--input", "novalue"], "NAME=VALUE"),
    (["compile", str(APPENDIX), "--input", "nope=1"], "E410"),
])
def test_bad_invocations_exit_2_with_a_clear_message(argv: list[str], needle: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert needle in err


def test_console_script_runs() -> None:
    exe = Path(sys.executable).with_name("eigen")
    proc = subprocess.run([str(exe), "compile", str(APPENDIX), "--qasm"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "OPENQASM 3.0;" in proc.stdout

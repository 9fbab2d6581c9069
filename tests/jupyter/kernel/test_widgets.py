"""Widgets: traits and the messages a (fake) comm would carry to the browser, static forms,
and a job view following a real engine."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
import threading
import time
from typing import Any

import pytest

from eigen_engine.compiler import compile_source
from eigen_engine.engine import Engine
from eigen_engine.job import JobResult
from eigen_engine.qrtx.events import JobEvent
from eigen_engine.qrtx.records import JobRecord, Progress
from eigen_engine.qrtx.states import JobState
from eigen_jupyter.widgets import (
    CircuitDrawing,
    ConvergencePlot,
    CountsHistogram,
    DeviceTable,
    DiagnosticsReport,
    JobTable,
    JobView,
    ResultView,
    read_iterations,
    to_quantum_circuit,
)
from eigen_jupyter.widgets.circuit import pick_circuit
from eigen_jupyter.widgets.diagnostics import caret_line

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ORDER = list(JobState)


def is_png(data: str | bytes | memoryview) -> bool:
    raw = base64.b64decode(data) if isinstance(data, str) else bytes(data)
    return raw.startswith(PNG_MAGIC)


def is_svg(data: str) -> bool:
    """An SVG document that parses as XML (what nbconvert and GitHub render)."""
    import xml.etree.ElementTree as ET

    return ET.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"


class ScriptedEngine:
    """The read side of an engine, scripted by the test: the widget under test is real,
    and its events are delivered from another thread like the engine's."""

    def __init__(self, record: JobRecord) -> None:
        self.record = record
        self.callbacks: list[Any] = []
        self.seq = itertools.count(1)
        self.files: dict[str, bytes] = {}
        self.counts: dict[str, int] | None = None
        self.outputs: Any = None
        self.metadata: dict[str, Any] = {}

    def status(self, job_id: str) -> JobRecord:
        return self.record

    def subscribe(self, callback: Any) -> Any:
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def result(self, job_id: str, timeout: float | None = None) -> JobResult:
        return JobResult(job_id, JobState.DONE, self.counts, self.outputs, self.metadata)

    def artifacts(self, job_id: str) -> list[str]:
        return sorted(self.files)

    def artifact(self, job_id: str, name: str) -> bytes:
        return self.files[name]

    def publish(self, kind: str, **changes: Any) -> None:
        self.record = dataclasses.replace(self.record, **changes)
        event = JobEvent(kind, self.record, time.time(), next(self.seq))  # type: ignore[arg-type]
        for callback in list(self.callbacks):
            callback(event)

    def play(self, script: Any) -> None:
        """Publish from an engine-like thread and wait for it to finish."""
        thread = threading.Thread(target=script)
        thread.start()
        thread.join()


@pytest.fixture
def scripted() -> ScriptedEngine:
    now = time.time()
    return ScriptedEngine(JobRecord(id="j-0123456789ab", name="vqe", target="aer",
                                    created_at=now, timestamps={JobState.PENDING: now},
                                    shots=1000))


def test_job_view_applies_transitions_and_throttles_progress(
        fake_comm: Any, scripted: ScriptedEngine, wait_until: Any) -> None:
    view = JobView(scripted, "j-0123456789ab")
    states: list[JobState] = []
    view.observe(lambda change: states.append(change.new), "state")
    assert view.state is JobState.PENDING and view.name == "vqe"
    header = view.header.comm
    sent_before = len(header.updates("value"))

    def run_to_running() -> None:
        for state in (JobState.COMPILING, JobState.QUEUED, JobState.RUNNING):
            scripted.publish("state", state=state)

    scripted.play(run_to_running)
    wait_until(lambda: view.state is JobState.RUNNING)

    def iterate() -> None:
        for i in range(1, 201):
            scripted.publish("progress", progress=Progress(i, 1.0 / i, 2 * i))

    scripted.play(iterate)
    wait_until(lambda: view.iteration == 200)
    assert view.best_value == pytest.approx(1 / 200) and view.evaluations == 400
    wait_until(lambda: view.convergence.layout.display != "none")  # the live plot appears

    # 203 events reached the view; far fewer header updates reached the (fake) browser.
    header_updates = header.updates("value")[sent_before:]
    assert 1 <= len(header_updates) < 50
    assert "RUNNING" in header_updates[-1] and "iteration 200" in header_updates[-1]

    scripted.counts = {"00": 480, "11": 520}
    scripted.outputs = {"energy": -1.0}
    scripted.files["iterations.jsonl"] = b"".join(
        json.dumps({"index": i, "iteration": i, "value": 1.0 / (i + 1),
                    "best_value": 1.0 / (i + 1)}).encode() + b"\n" for i in range(30))
    scripted.play(lambda: scripted.publish("state", state=JobState.DONE,
                                           timestamps={**scripted.record.timestamps,
                                                       JobState.DONE: time.time()}))
    wait_until(lambda: view.finished)

    assert view.state is JobState.DONE
    assert [ORDER.index(s) for s in states] == sorted(ORDER.index(s) for s in states)
    assert "DONE" in header.updates("value")[-1]
    assert view.cancel_button.layout.display == "none"
    assert view.histogram.counts == {"00": 480, "11": 520}
    assert len(view.convergence.history) == 30 and view.convergence.x_label == "evaluation"
    assert "energy" in view.outputs.value
    assert "<svg" in view.histogram.comm.updates("value")[-1]  # the chart went out as SVG
    assert not scripted.callbacks  # unsubscribed once finished


def _node(kind: str, shots: int | None) -> dict[str, Any]:
    return {"kind": kind, "shots": shots}


@pytest.mark.parametrize(
    ("counts", "metadata", "shown"),
    [
        (None, {"shots": 1024, "nodes": {"w0": _node("sweep", None),
                                         "w1": _node("sweep", None)}}, None),
        (None, {"shots": 1024, "nodes": {"m0": {"kind": "minimize", "nfev": 40}}}, None),
        (None, {"shots": 1024, "nodes": {"m0": _node("minimize", 4000)}}, "4000 shots"),
        (None, {"shots": 1024, "nodes": {"e0": _node("expectation", 2000)}}, "2000 shots"),
        ({"0": 700, "1": 300}, {"shots": 1024, "nodes": {"m0": {"kind": "minimize"},
                                                          "s0": _node("sample", 1000)}},
         "1000 shots"),
        (None, {"nodes": {"w0": _node("sweep", 200), "s0": _node("sample", 1000)}},
         "200, 1000 shots"),
        ({"00": 480, "11": 520}, {"shots": 1000}, "1000 shots"),
    ],
    ids=["exact-sweep", "exact-vqe", "sampled-vqe", "sampled-expectation", "vqe-then-sample",
         "two-shot-counts", "sampling-job"],
)
def test_job_view_shows_shots_only_when_the_job_sampled(
        fake_comm: Any, scripted: ScriptedEngine, wait_until: Any, counts: Any,
        metadata: dict[str, Any], shown: str | None) -> None:
    scripted.record = dataclasses.replace(scripted.record, shots=1024)  # every job has some
    view = JobView(scripted, "j-0123456789ab")
    header = view.header.comm
    scripted.play(lambda: scripted.publish("state", state=JobState.RUNNING))
    wait_until(lambda: view.state is JobState.RUNNING)
    assert "shots" not in header.updates("value")[-1]  # unknown while it runs

    scripted.counts, scripted.outputs, scripted.metadata = counts, {"value": 1.0}, metadata
    scripted.play(lambda: scripted.publish("state", state=JobState.DONE))
    wait_until(lambda: view.finished)

    final = header.updates("value")[-1]  # what the browser shows
    text = view.static_bundle()["text/plain"]  # what a saved notebook shows
    assert "DONE" in final
    if shown is None:
        assert view.shots == ()
        assert "shots" not in final and "shots" not in text and "1024" not in final
    else:
        assert shown in final and shown in text and "1024" not in final
    rows = dict(ResultView(scripted.result("j-0123456789ab")).metadata_rows())
    assert rows.get("shots") == (None if shown is None else shown.removesuffix(" shots"))


def test_job_view_never_goes_back_from_a_final_state(fake_comm: Any,
                                                     scripted: ScriptedEngine) -> None:
    scripted.record = dataclasses.replace(scripted.record, state=JobState.CANCELLED,
                                          error_message="cancelled on request")
    view = JobView(scripted, "j-0123456789ab")
    assert view.finished and view.error_message == "cancelled on request"

    view._apply(dataclasses.replace(scripted.record, state=JobState.RUNNING))
    assert view.state is JobState.CANCELLED
    bundle = view._repr_mimebundle_()
    assert "CANCELLED" in bundle["text/plain"] and "cancelled on request" in bundle["text/html"]


def test_job_view_follows_a_real_engine_to_done(fake_comm: Any, engine: Engine,
                                                programs: Any, wait_until: Any) -> None:
    job = engine.submit(programs.bell, shots=500, seed=11, name="bell")
    view = JobView(engine, job.id)
    states = [view.state]
    view.observe(lambda change: states.append(change.new), "state")
    wait_until(lambda: view.finished)

    assert view.state is JobState.DONE and states[-1] is JobState.DONE
    assert [ORDER.index(s) for s in states] == sorted(ORDER.index(s) for s in states)
    assert set(view.histogram.counts) <= {"00", "11"} and view.histogram.shots == 500
    assert view.shots == (500,) and "500 shots" in view.header.value
    assert "DONE" in view.header.comm.updates("value")[-1] or "DONE" in view.header.value
    bundle = view._repr_mimebundle_()
    assert is_svg(bundle["image/svg+xml"]) and "DONE" in bundle["text/html"]
    assert "<svg" in bundle["text/html"] and "image/png" not in bundle
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_job_view_of_a_hybrid_job_plots_its_convergence(fake_comm: Any, engine: Engine,
                                                        programs: Any, wait_until: Any) -> None:
    job = engine.submit(programs.vqe, seed=3)
    view = JobView(engine, job.id)
    wait_until(lambda: view.finished)

    assert view.state is JobState.DONE
    assert view.convergence.history and view.convergence.layout.display != "none"
    assert view.iteration > 0 and view.best_value is not None
    assert "energy" in view.static_bundle()["text/plain"]
    assert view.shots == () and "shots" not in view.header.value  # exact expectation values


def test_counts_histogram_syncs_svg_and_has_static_forms(fake_comm: Any) -> None:
    hist = CountsHistogram({"00": 3, "11": 5}, title="Bell")
    hist.counts = {"00": 4, "01": 1, "11": 5}

    assert hist.comm.updates("value")  # redrawn and sent
    bundle = hist._repr_mimebundle_()
    assert is_svg(bundle["image/svg+xml"]) and is_svg(hist.value)
    assert "<svg" in bundle["text/html"] and "Bell (10 shots)" in bundle["text/plain"]
    assert "Bell (10 shots)" in hist.value and is_png(hist.render_png())  # PNG on request


def test_charts_escape_labels_and_draw_many_bars(fake_comm: Any) -> None:
    hist = CountsHistogram({format(i, "06b"): i + 1 for i in range(64)}, title="<b>&</b>")
    assert is_svg(hist.value) and "<b>" not in hist.value and "other" in hist.value
    assert is_svg(CountsHistogram({"0": 0}).value)  # all-zero counts still draw
    assert is_svg(ConvergencePlot([{"x": 0, "value": None, "best_value": 1.0}]).value)


def test_histogram_keeps_the_most_frequent_outcomes(fake_comm: Any) -> None:
    counts = {format(i, "06b"): i + 1 for i in range(64)}
    from eigen_jupyter.widgets.histogram import top_counts

    bars = top_counts(counts, 8)
    assert len(bars) == 8 and bars[-1][0] == "other"
    assert sum(v for _, v in bars) == sum(counts.values())


def test_circuit_drawing_keeps_parameter_names(fake_comm: Any, programs: Any) -> None:
    program = compile_source(programs.vqe)
    drawing = CircuitDrawing(program.aqo, title="vqe")

    assert is_png(drawing.value)
    qc = to_quantum_circuit(pick_circuit(program.aqo))
    assert sorted(p.name for p in qc.parameters) == ["phi", "theta"]
    bundle = drawing._repr_mimebundle_()
    assert is_png(bundle["image/png"]) and "Ry(theta)" in bundle["text/plain"]
    assert "2 qubits" in bundle["text/html"]


def test_convergence_plot_reads_iterations_and_appends(fake_comm: Any) -> None:
    data = (b'{"index": 0, "value": 2.0, "best_value": 2.0}\n'
            b'not json\n'
            b'{"index": 1, "value": 3.0, "best_value": 2.0}\n'
            b'{"index": 2, "value": 1.5')  # a partial last line of a running job
    points = read_iterations(data)
    assert [p["x"] for p in points] == [0, 1]

    plot = ConvergencePlot(points)
    plot.append(2, best_value=1.0, value=1.0)
    assert plot.best_value == 1.0 and plot.comm.updates("value")
    bundle = plot._repr_mimebundle_()
    assert is_svg(bundle["image/svg+xml"]) and "3 evaluations" in bundle["text/plain"]
    assert is_png(plot.render_png())


def test_device_and_job_tables(fake_comm: Any, engine: Engine, programs: Any) -> None:
    devices = DeviceTable(engine.devices())
    assert "aer:mps" in devices.value and "aer:mps" in devices._repr_mimebundle_()["text/plain"]

    job = engine.submit(programs.bell, shots=50, seed=1, name="tabled")
    job.wait(timeout=60)
    table = JobTable(engine.jobs(search="tabled"))
    assert job.id in table.value and "DONE" in table._repr_mimebundle_()["text/plain"]
    table.jobs = []
    assert table.comm.updates("value")[-1] == "<em>no jobs</em>"


def test_result_view_static_forms(engine: Engine, programs: Any) -> None:
    job = engine.submit(programs.bell, shots=200, seed=9)
    view = ResultView(job.result(timeout=60))
    bundle = view._repr_mimebundle_()
    assert is_svg(bundle["image/svg+xml"]) and "counts:" in bundle["text/plain"]


@pytest.mark.parametrize(
    ("line", "col", "end_col", "expected"),
    [
        ("    while True:", 5, 16, "    ^~~~~~~~~~~"),
        ("\tx = 1", 2, None, "\t^"),
        ("h(0)", 1, 99, "^~~~"),
    ],
    ids=["span", "tab", "span-past-end"],
)
def test_caret_line(line: str, col: int, end_col: int | None, expected: str) -> None:
    assert caret_line(line, col, end_col) == expected


def test_diagnostics_report_counts_and_quotes(programs: Any) -> None:
    from eigen_engine.errors import CompileError

    with pytest.raises(CompileError) as info:
        compile_source(programs.bad)
    report = DiagnosticsReport(info.value.diagnostics, programs.bad, filename="prog.py")
    assert report.errors >= 1 and "error" in report.title
    assert "prog.py:5:5:" in str(report) and "while True:" in report._repr_html_()


def test_circuit_text_drawing_as_png(fake_comm: Any, programs: Any) -> None:
    """The fallback used when Qiskit's matplotlib drawer lacks its optional pylatexenc."""
    drawing = CircuitDrawing(compile_source(programs.bell).aqo)
    assert is_png(drawing._text_png()) and "┤ H ├" in drawing.text()


def test_cancel_button_cancels_the_job(fake_comm: Any, engine: Engine, endless_job: Any,
                                       wait_until: Any) -> None:
    view = JobView(engine, endless_job.id)
    view.cancel_button.click()  # what a click in the browser triggers in the kernel

    wait_until(lambda: view.finished)
    assert view.state is JobState.CANCELLED
    assert view.cancel_button.layout.display == "none"
    assert "CANCELLED" in view.header.value

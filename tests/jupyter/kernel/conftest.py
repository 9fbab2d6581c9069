"""Kernel-side fixtures: a real engine on a temporary home, a real IPython shell with the
magics loaded, a fake widget comm that records what would reach the browser, programs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import comm
import pytest

from eigen_engine.engine import Engine

BELL = """\
from eigen_lang import cx, h, hybrid_program

@hybrid_program()
def bell():
    h(0)
    cx(0, 1)
"""

VQE = """\
from eigen_lang import ExpectationValue, Observable, Param, cnot, hybrid_program, minimize, ry

@hybrid_program()
def vqe():
    theta = Param("theta", 0.1)
    phi = Param("phi", -0.2)
    ry(0, theta=theta)
    ry(1, theta=phi)
    cnot(0, 1)
    energy = ExpectationValue("energy", observable=Observable(Z=0, X=1))
    optimum = minimize(energy, [0.1, -0.2], method="COBYLA", max_iters=40)
    return {"energy": optimum.fun, "parameters": optimum.x}
"""

# Runs for minutes unless cancelled: SPSA does every one of its iterations.
ENDLESS = """\
from eigen_lang import ExpectationValue, Observable, Param, hybrid_program, minimize, ry

@hybrid_program()
def endless():
    a = Param("a", 0.1)
    ry(0, theta=a)
    e = ExpectationValue("e", observable=Observable(Z=0))
    return minimize(e, [0.1], method="spsa", max_iter=10000000).fun
"""

BAD = """\
from eigen_lang import hybrid_program, h

@hybrid_program()
def broken():
    while True:
        h(0)
"""


@pytest.fixture(scope="session", autouse=True)
def _close_widgets_at_the_end() -> Iterator[None]:
    """Close the widgets the tests made while ipywidgets still works: left to the garbage
    collector at interpreter exit, each one's ``__del__`` fails noisily."""
    yield
    import ipywidgets

    ipywidgets.Widget.close_all()


@pytest.fixture(scope="session")
def engine_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private engine home, also exported as ``EIGEN_HOME`` for the session."""
    home = tmp_path_factory.mktemp("eigen-home")
    before = os.environ.get("EIGEN_HOME")
    os.environ["EIGEN_HOME"] = str(home)
    yield home
    if before is None:
        os.environ.pop("EIGEN_HOME", None)
    else:
        os.environ["EIGEN_HOME"] = before


@pytest.fixture(scope="session")
def engine(engine_home: Path) -> Iterator[Engine]:
    """One real embedded engine with one worker process, shared by the kernel tests."""
    eng = Engine(home=engine_home, workers=1)
    yield eng
    eng.close()


@pytest.fixture
def ip(engine: Engine) -> Iterator[Any]:
    """The test IPython shell with ``%load_ext eigen_jupyter`` done, using ``engine``."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.testing.globalipapp import start_ipython

    from eigen_jupyter.magics import use_engine

    shell = start_ipython() or InteractiveShell.instance()  # started once per process
    previous = use_engine(engine)
    shell.run_line_magic("load_ext", "eigen_jupyter")
    yield shell
    use_engine(previous)
    for name in ("job", "program", "result", "records", "devices"):
        shell.user_ns.pop(name, None)


@pytest.fixture
def endless_job(engine: Engine) -> Iterator[Any]:
    """A job that runs until cancelled (cancelled at teardown if a test did not)."""
    job = engine.submit(ENDLESS, seed=1, name="endless")
    yield job
    if not job.status().is_terminal:
        job.cancel()
    job.wait(timeout=60)


class FakeComm:
    """Stands in for a widget's comm: records every message instead of sending it."""

    kernel = "present"  # ipywidgets only sends when its comm has a kernel

    def __init__(self, **kwargs: Any) -> None:
        self.comm_id = kwargs.get("comm_id") or f"fake-{id(self):x}"
        self.open_data = kwargs.get("data")
        self.messages: list[dict[str, Any]] = []

    def open(self, *args: Any, **kwargs: Any) -> None:
        pass

    def on_msg(self, callback: Callable[..., Any]) -> None:
        pass

    def send(self, data: Any = None, buffers: Any = None, **kwargs: Any) -> None:
        self.messages.append(data)

    def close(self, *args: Any, **kwargs: Any) -> None:
        pass

    def updates(self, name: str) -> list[Any]:
        """Values of ``name`` sent in ``update`` messages, in order (buffers as ``bytes``)."""
        return [m["state"].get(name, b"<buffer>") for m in self.messages
                if m.get("method") == "update" and (name in m["state"]
                                                    or name in m.get("buffer_paths", [[]])[0])]


@pytest.fixture
def fake_comm(monkeypatch: pytest.MonkeyPatch) -> list[FakeComm]:
    """Every widget created in the test gets a :class:`FakeComm`; returns them all."""
    made: list[FakeComm] = []

    def create_comm(**kwargs: Any) -> FakeComm:
        made.append(FakeComm(**kwargs))
        return made[-1]

    monkeypatch.setattr(comm, "create_comm", create_comm)
    return made


def _wait_until(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not reached within {timeout} s")
        time.sleep(0.02)


@pytest.fixture
def wait_until() -> Callable[..., None]:
    """``wait_until(predicate, timeout=60)``: poll until true, fail after ``timeout`` seconds
    (a bound on a hang, never a timing assertion)."""
    return _wait_until


@pytest.fixture(scope="session")
def programs() -> SimpleNamespace:
    """Program sources: ``bell``, ``vqe`` (hybrid), ``endless`` (runs until cancelled),
    ``bad`` (does not compile: E201)."""
    return SimpleNamespace(bell=BELL, vqe=VQE, endless=ENDLESS, bad=BAD)

"""Engine test fixtures: engines on temporary homes (closed after the test) and the test
driver; helpers shared by the test modules are in ``enginetools``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eigen_engine import Engine
from tests.engine import enginetools
from tests.engine.enginetools import EngineFactory


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The engine home of the test."""
    return tmp_path / "home"


@pytest.fixture
def make_engine(home: Path) -> Iterator[EngineFactory]:
    """``make_engine(**kwargs)``: an ``Engine`` on the test's home (one worker unless told
    otherwise); every engine made is closed after the test."""
    engines: list[Engine] = []

    def make(**kwargs: Any) -> Engine:
        kwargs.setdefault("home", home)
        kwargs.setdefault("workers", 1)
        engine = Engine(**kwargs)
        engines.append(engine)
        return engine

    yield make
    for engine in reversed(engines):
        engine.close()


@pytest.fixture
def engine(make_engine: EngineFactory) -> Engine:
    """An engine with one worker on a fresh home. Cheap: its worker starts with the first
    job that runs."""
    return make_engine()


@pytest.fixture
def testdrv(tmp_path: Path) -> Iterator[Path]:
    """Register the ``testdrv`` driver in this process; yield the workers' marker dir."""
    markers = tmp_path / "markers"
    markers.mkdir()
    enginetools.install(str(markers))
    yield markers
    enginetools.uninstall()


@pytest.fixture
def driver_engine(make_engine: EngineFactory, testdrv: Path) -> Engine:
    """An engine with one worker that knows the ``testdrv`` devices."""
    return make_engine(executor=enginetools.driver_executor(testdrv))

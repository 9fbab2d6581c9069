"""The one engine the magics of this kernel use, found on first use.

``eigen_jupyter.discovery.connect()`` finds the Jupyter server's engine (a ``RemoteEngine``),
or falls back to an embedded ``Engine`` and says so once. Nothing here is imported before a
magic needs an engine, so ``%load_ext`` stays cheap.
"""

from __future__ import annotations

import atexit
import threading
import warnings
from typing import Any

__all__ = ["get_engine", "use_engine"]

_lock = threading.Lock()
_engine: Any = None


def _connect() -> Any:
    from eigen_jupyter.discovery import EmbeddedEngineNote, connect

    # The note that no server was found is for the notebook's reader: one plain line in the
    # cell, rather than a warning that quotes this file.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EmbeddedEngineNote)
        engine = connect()
    for w in caught:
        if issubclass(w.category, EmbeddedEngineNote):
            print(f"Note: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    atexit.register(engine.close)
    return engine


def get_engine() -> Any:
    """Return this kernel's engine (an ``Engine`` or a ``RemoteEngine``), connecting once.

    Raises:
        ServerUnavailable: a server was configured but cannot be reached.
    """
    global _engine
    with _lock:
        if _engine is None:
            _engine = _connect()
        return _engine


def use_engine(engine: Any) -> Any:
    """Make the magics use ``engine`` (e.g. ``Engine(home=..., workers=1)``); ``None`` makes
    the next magic connect again. Returns the engine used before."""
    global _engine
    with _lock:
        previous, _engine = _engine, engine
        return previous

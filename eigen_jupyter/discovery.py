"""Find the Eigen server a kernel should use, or fall back to an embedded engine.

:func:`connect` tries, in order:

1. the ``url`` (and ``token``) it is given — it must answer;
2. ``EIGEN_SERVER_URL`` (+ ``EIGEN_SERVER_TOKEN``, else ``JUPYTERHUB_API_TOKEN``) — set by
   the server extension in the environment of every kernel the server starts, or by the
   user; it must answer;
3. JupyterHub: ``JUPYTERHUB_SERVICE_URL`` + ``JUPYTERHUB_API_TOKEN``;
4. the ``server.json`` record that ``eigen serve`` writes in the engine home;
5. the ``jpserver-<pid>.json`` runtime file of a Jupyter server that is an ancestor of this
   process (a kernel started by a server that did not set the variables);

Steps 3-5 are probed with ``GET eigen/api/v1/version`` and skipped when they do not answer
or have no Eigen extension. When none is found the embedded engine is used, and a single
:class:`EmbeddedEngineNote` warning says so, once per process. The result is never
discovered through a comm round-trip: a comm cannot answer while a cell runs.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

from eigen_engine.errors import ServerUnavailable
from eigen_engine.remote import RemoteEngine, read_server_record

if TYPE_CHECKING:
    from eigen_engine.engine import Engine

__all__ = ["EmbeddedEngineNote", "connect", "find_server"]

_PROBE_TIMEOUT_S: Final = 3.0
_REQUEST_TIMEOUT_S: Final = 30.0
_noted = False


class EmbeddedEngineNote(UserWarning):
    """No Eigen server was found: jobs run in this process's embedded engine."""


def connect(
    url: str | None = None,
    token: str | None = None,
    home: str | os.PathLike[str] | None = None,
) -> Engine | RemoteEngine:
    """Return a :class:`RemoteEngine` for the server to use, else an embedded ``Engine``.

    Args:
        url: An explicit server URL (wins over everything else).
        token: Its token (default: a ``?token=`` in the URL, else ``EIGEN_SERVER_TOKEN``
            unless that belongs to a different ``EIGEN_SERVER_URL``).
        home: Engine home, for the ``eigen serve`` record and the embedded engine.

    Raises:
        ServerUnavailable: an explicit ``url`` or ``EIGEN_SERVER_URL`` does not answer.

    Example:
        >>> engine = connect()  # in a kernel started by JupyterLab: the server's engine
        >>> engine.submit(bell_source).result().counts
    """
    found = find_server(url, token, home)
    if found is not None:
        return found
    from eigen_engine.engine import Engine

    engine = Engine(home)
    _note_embedded(engine)
    return engine


def find_server(
    url: str | None = None,
    token: str | None = None,
    home: str | os.PathLike[str] | None = None,
) -> RemoteEngine | None:
    """The server :func:`connect` would use, or ``None`` (see the module docstring).

    Raises:
        ServerUnavailable: an explicit ``url`` or ``EIGEN_SERVER_URL`` does not answer.
    """
    env_url = os.environ.get("EIGEN_SERVER_URL") or None
    # Under JupyterHub the server has no token of its own; the hub's API token opens it.
    env_token = (os.environ.get("EIGEN_SERVER_TOKEN")
                 or os.environ.get("JUPYTERHUB_API_TOKEN") or None)
    if url:
        if token is None and env_url in (None, url):  # never send one server's token to another
            token = env_token
        return RemoteEngine(url, token)
    if env_url:
        return RemoteEngine(env_url, token if token is not None else env_token)
    for candidate_url, candidate_token in _candidates(home):
        try:
            engine = RemoteEngine(candidate_url, candidate_token, timeout=_PROBE_TIMEOUT_S)
        except ServerUnavailable:
            continue
        engine.timeout = _REQUEST_TIMEOUT_S
        return engine
    return None


def _candidates(home: str | os.PathLike[str] | None) -> Iterator[tuple[str, str | None]]:
    hub_url = os.environ.get("JUPYTERHUB_SERVICE_URL")
    hub_token = os.environ.get("JUPYTERHUB_API_TOKEN")
    if hub_url and hub_token:
        yield hub_url, hub_token
    record = read_server_record(home if home is not None else _default_home())
    if record is not None:
        yield record.url, record.token
    yield from _ancestor_servers()


def _default_home() -> Path:
    from eigen_engine.engine import default_home

    return default_home()


def _ancestor_servers() -> Iterator[tuple[str, str | None]]:
    """URL and token of each running Jupyter server that is an ancestor of this process."""
    try:
        from jupyter_core.paths import jupyter_runtime_dir

        runtime = Path(jupyter_runtime_dir())
    except Exception:  # jupyter_core missing or misconfigured: nothing to find
        return
    for pid in _ancestors():
        info = runtime / f"jpserver-{pid}.json"
        try:
            data = json.loads(info.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("url") and not data.get("sock"):
            yield str(data["url"]), (str(data.get("token") or "") or None)


def _ancestors() -> Iterator[int]:
    """This process's parent, grandparent, ... (via ``/proc`` where it exists)."""
    pid = os.getppid()
    seen: set[int] = set()
    while pid > 1 and pid not in seen:
        seen.add(pid)
        yield pid
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            pid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            return


def _note_embedded(engine: Engine) -> None:
    global _noted
    if _noted:
        return
    _noted = True
    warnings.warn(
        "no Eigen server found (EIGEN_SERVER_URL is not set and no `eigen serve` or Jupyter "
        f"server with eigen-jupyter answered); jobs run in this process (home {engine.home}). "
        "Open JupyterLab with eigen-jupyter installed, or run `eigen serve`, to share one engine.",
        EmbeddedEngineNote,
        stacklevel=3,
    )

"""The JupyterLab server the browser tests drive (started by playwright.config.js).

Galata's test configuration, plus: the Eigen server extension enabled, a fresh engine home,
and the labextension freshly built in ``eigen_jupyter/labextension`` (linked in front of
any installed copy, so the tests always exercise the current build). With
``EIGEN_UI_USE_INSTALLED=1`` the installed labextension is used instead (to check a wheel).
"""

import os
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

configure_jupyter_server(c)

REPO = Path(__file__).resolve().parents[2]
BUILT = REPO / "eigen_jupyter" / "labextension"
USE_INSTALLED = os.environ.get("EIGEN_UI_USE_INSTALLED") == "1"

_work = Path(os.environ.get("EIGEN_UI_WORKDIR") or tempfile.mkdtemp(prefix="eigen-ui-"))
_labextensions = _work / "labextensions"
if not USE_INSTALLED:
    if not (BUILT / "package.json").is_file():
        raise SystemExit(f"{BUILT} holds no built labextension; run `npm run build` in "
                         "frontend/")
    _link = _labextensions / "@eigen-jupyter" / "labextension"
    _link.parent.mkdir(parents=True, exist_ok=True)
    if _link.is_symlink() or _link.exists():
        _link.unlink()
    _link.symlink_to(BUILT, target_is_directory=True)

c.ServerApp.port = int(os.environ.get("EIGEN_UI_PORT", "8888"))
c.ServerApp.allow_root = True  # CI runs as root
c.ServerApp.jpserver_extensions = {"eigen_jupyter": True}
c.LabServerApp.extra_labextensions_path = [
    str(Path(c.LabServerApp.extra_labextensions_path)),  # galata's helper extension
    *([] if USE_INSTALLED else [str(_labextensions)]),
]
c.EigenApp.home = os.environ.get("EIGEN_UI_HOME") or str(_work / "eigen-home")
c.EigenApp.workers = 2

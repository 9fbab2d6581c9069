"""The ``%eigen`` / ``%%eigen`` magics (``%load_ext eigen_jupyter``).

Loading them is cheap: no simulator, plotting library or server module is imported until a
subcommand needs it.

Example:
    In a notebook::

        %load_ext eigen_jupyter

        %%eigen submit --shots 1000 --wait -o job
        from eigen_lang import hybrid_program, h, cx
        @hybrid_program()
        def bell():
            h(0)
            cx(0, 1)
"""

from __future__ import annotations

from typing import Any

from eigen_jupyter.magics.commands import CellFailed, EigenMagics
from eigen_jupyter.magics.connection import get_engine, use_engine

__all__ = ["CellFailed", "EigenMagics", "get_engine", "load_ipython_extension", "use_engine"]


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics with ``ipython`` (called by ``%load_ext``)."""
    ipython.register_magics(EigenMagics)

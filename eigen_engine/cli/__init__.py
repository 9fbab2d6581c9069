"""The ``eigen`` command line."""

from eigen_engine.cli.app import main

__all__ = ["main"]

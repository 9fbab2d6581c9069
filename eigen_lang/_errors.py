"""The one error eigen_lang raises: its functions only have meaning inside a compiled program."""

from __future__ import annotations

__all__ = ["NotCompiledError"]


class NotCompiledError(RuntimeError):
    """An Eigen-Lang function was called from plain Python.

    Eigen-Lang programs are compiled, never executed: submit the program with
    ``%%eigen submit`` in a notebook or ``eigen submit FILE`` on the command line.
    """

    def __init__(self, name: str) -> None:
        super().__init__(
            f"`{name}` only has meaning inside an Eigen-Lang program, which is compiled, not "
            "run: submit it with `%%eigen submit` (notebook) or `eigen submit FILE` (CLI)"
        )

"""Static representations: every widget also displays as text, HTML and PNG.

A live widget needs a running kernel and a widget manager. nbconvert, GitHub, ``jupyter
console`` and a notebook reopened after a kernel restart have neither, so each widget's
display bundle also carries its current state as ``text/plain``, ``text/html`` and (for
plots) ``image/png``; a frontend that can render the widget view prefers it, the others
fall back to the static form.
"""

from __future__ import annotations

from typing import Any

__all__ = ["StaticRepr"]


class StaticRepr:
    """Mixin for ipywidgets: adds the static forms to the widget's display bundle.

    Subclasses implement :meth:`static_bundle`; it must be cheap (it runs on every display).
    """

    def static_bundle(self) -> dict[str, str]:
        """Return the static display forms of the current state (mimetype -> data)."""
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        live = super()._repr_mimebundle_(**kwargs) or {}  # type: ignore[misc]
        bundle = self.static_bundle()
        bundle.update({k: v for k, v in live.items() if k != "text/plain"})
        return bundle

    def _repr_html_(self) -> str:
        return self.static_bundle()["text/html"]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.static_bundle()["text/plain"])

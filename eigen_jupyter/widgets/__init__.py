"""Widgets and displays for Eigen jobs (ipywidgets 8): live job view, plots, tables.

Every object here also displays statically (``text/plain``, ``text/html`` and, for plots,
``image/png``), so nbconvert, GitHub and frontends without a widget manager show its state.

Example:
    >>> from eigen_jupyter.widgets import CountsHistogram
    >>> CountsHistogram({"00": 507, "11": 517}, title="Bell pair")  # doctest: +SKIP
"""

from eigen_jupyter.widgets.circuit import CircuitDrawing, to_quantum_circuit
from eigen_jupyter.widgets.convergence import ConvergencePlot, read_iterations
from eigen_jupyter.widgets.diagnostics import DiagnosticsReport
from eigen_jupyter.widgets.histogram import CountsHistogram
from eigen_jupyter.widgets.job_view import JobView
from eigen_jupyter.widgets.program import ProgramSummary
from eigen_jupyter.widgets.result import ResultView
from eigen_jupyter.widgets.tables import DeviceTable, JobTable

__all__ = [
    "CircuitDrawing",
    "ConvergencePlot",
    "CountsHistogram",
    "DeviceTable",
    "DiagnosticsReport",
    "JobTable",
    "JobView",
    "ProgramSummary",
    "ResultView",
    "read_iterations",
    "to_quantum_circuit",
]

"""``compile``: compile, validate or optimize a program without running it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Final

from jupyter_server.auth.decorator import authorized
from tornado import web

from eigen_jupyter.server_ext import metrics
from eigen_jupyter.server_ext.base import EigenHandler
from eigen_jupyter.server_ext.payloads import SCHEMA_VERSION, CompileRequest, CompileResponse

if TYPE_CHECKING:
    from eigen_engine.compiler import CompiledProgram
    from eigen_engine.engine import Engine

__all__ = ["CompileHandler", "compile_response", "default_handlers"]


def compile_response(program: CompiledProgram, mode: str) -> CompileResponse:
    """The ``POST compile`` payload; ``validate`` leaves out the AQO and the QASM."""
    response: CompileResponse = {
        "schema_version": SCHEMA_VERSION,
        "mode": mode,
        "sha256": program.sha256,
        "source_sha256": program.source_sha256,
        "kind": program.kind,
        "entrypoint": program.entrypoint,
        "num_qubits": program.num_qubits,
        "seed": program.seed,
        "inputs": dict(program.inputs),
        "defaults": dict(program.defaults),
        "diagnostics": [d.to_dict() for d in program.diagnostics],
    }
    if mode != "validate":
        response["aqo"] = dict(program.aqo)
        response["qasm"] = program.qasm
    return response


def _compile(engine: Engine, request: CompileRequest) -> CompileResponse:
    started = time.perf_counter()
    try:
        program = engine.compile(request.source, **request.options)
        # The QASM is built lazily: build it here, in the worker thread, not on the loop.
        return compile_response(program, request.mode)
    finally:
        metrics.COMPILE_SECONDS.observe(time.perf_counter() - started)


class CompileHandler(EigenHandler):
    """``POST compile``: ``{"source", "mode": "compile"|"validate"|"optimize", "options"}``."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Compile; 400 with every diagnostic when the program does not compile."""
        request = CompileRequest.from_json(self.json_body())
        response: Any = await self.call(_compile, await self.engine(), request)
        self.reply(response)


default_handlers: Final = [(r"/compile", CompileHandler)]

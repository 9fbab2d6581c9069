"""Errors cross the wire intact: server envelope (one renderer) -> client exception."""

from __future__ import annotations

import pytest
from tornado import web

from eigen_engine import errors
from eigen_engine.compiler import compile_source
from eigen_engine.errors import ErrorCode, ErrorDetail
from eigen_engine.remote import error_from_envelope
from eigen_jupyter.server_ext.base import error_envelope, http_status
from eigen_jupyter.server_ext.payloads import SubmitRequest

CASES = [
    (errors.InvalidArgument("bad", details=[ErrorDetail("shots", "must be > 0")]), 400),
    (errors.JobSpecError("bad spec", details=[ErrorDetail("spec.target", "unknown")]), 400),
    (errors.NotFound("gone"), 404),
    (errors.JobNotFound("no job"), 404),
    (errors.DeviceNotFound("no device"), 404),
    (errors.FailedPrecondition("finished"), 409),
    (errors.ResourceExhausted("too big"), 429),
    (errors.Unimplemented("later"), 501),
    (errors.JobFailed("boom", job_id="j-0123456789ab", code=ErrorCode.UNAVAILABLE), 409),
    (errors.JobCancelled("stopped", job_id="j-0123456789ab"), 409),
    (errors.JobTimeout("slow", job_id="j-0123456789ab"), 409),
    (errors.DriverError("driver"), 500),
    (errors.TransientDriverError("flaky"), 503),
    (errors.StorageError("disk"), 500),
]


@pytest.mark.parametrize(("exc", "status"), CASES, ids=lambda v: type(v).__name__)
def test_round_trip(exc: errors.EigenError, status: int) -> None:
    got_status, envelope = error_envelope(exc, 500)
    assert got_status == status == http_status(exc)
    back = error_from_envelope(envelope, got_status)
    assert type(back) is type(exc)
    assert (back.code, back.message, back.details) == (exc.code, exc.message, exc.details)
    if isinstance(exc, errors.JobError):
        assert isinstance(back, errors.JobError) and back.job_id == exc.job_id


def test_compile_errors_keep_their_diagnostics() -> None:
    with pytest.raises(errors.CompileError) as info:
        compile_source("from eigen_lang import hybrid_program\n@hybrid_program()\ndef f():\n"
                       "    while True:\n        pass\n")
    status, envelope = error_envelope(info.value, 500)
    back = error_from_envelope(envelope, status)
    assert status == 400 and isinstance(back, errors.CompileError)
    assert back.diagnostics == info.value.diagnostics
    assert back.details == info.value.details


def test_other_errors() -> None:
    status, envelope = error_envelope(web.HTTPError(403, "not for you"), 403)
    assert (status, envelope["error"]["code"]) == (403, "PERMISSION_DENIED")
    assert isinstance(error_from_envelope(envelope, 403), errors.ServerUnavailable)
    status, envelope = error_envelope(RuntimeError("secret internals"), 500)
    assert (status, envelope["error"]["code"]) == (500, "INTERNAL")
    assert "secret" not in envelope["error"]["message"]


def test_submit_request_options() -> None:
    request = SubmitRequest.from_json({"source": "s", "shots": 10, "dependencies": []})
    assert request.options() == {"shots": 10, "dependencies": [], "capture_state": False}

"""``jobs``: submit, list, read, wait for, cancel; results and artifacts."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from eigen_engine.errors import EigenError, ErrorDetail, FailedPrecondition, InvalidArgument
from eigen_engine.qrtx.records import validate_job_id
from eigen_jupyter.server_ext import metrics
from eigen_jupyter.server_ext.base import EigenHandler
from eigen_jupyter.server_ext.payloads import (
    SCHEMA_VERSION,
    ArtifactListResponse,
    BatchJobsResponse,
    BatchSubmitRequest,
    JobListResponse,
    JobResponse,
    JobsQuery,
    ResultsResponse,
    SubmitRequest,
    query_wait,
)

if TYPE_CHECKING:
    from eigen_engine.engine import Engine
    from eigen_engine.jobspec import JobSpec
    from eigen_engine.qrtx.records import JobRecord

__all__ = [
    "ArtifactHandler",
    "ArtifactListHandler",
    "JobBatchHandler",
    "JobHandler",
    "JobResultsHandler",
    "JobsHandler",
    "default_handlers",
]

_REQUEST_NUMBER: Final = re.compile(r"request #(\d+): ")
_ARTIFACT_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*")
_TEXT_TYPES: Final = {
    ".json": "application/json",
    ".jsonl": "application/jsonl; charset=utf-8",
    ".py": "text/x-python; charset=utf-8",
    ".yaml": "application/yaml; charset=utf-8",
    ".qasm": "text/plain; charset=utf-8",
}


def job_response(record: JobRecord) -> JobResponse:
    """The ``Job`` payload of one record."""
    payload: Any = {"schema_version": SCHEMA_VERSION, **record.to_dict()}
    response: JobResponse = payload
    return response


def _jobspec(request: SubmitRequest) -> JobSpec | None:
    if request.jobspec is None:
        return None
    from eigen_engine.jobspec import parse_jobspec

    return parse_jobspec(request.jobspec, filename="jobspec")


def _submit(engine: Engine, request: SubmitRequest, owner: str) -> JobRecord:
    job = engine.submit(request.source, _jobspec(request), owner=owner, **request.options())
    return engine.status(job.id)


def _submit_many(engine: Engine, batch: BatchSubmitRequest, owner: str) -> list[JobRecord]:
    """Submit every request of the batch, or none (``Engine.submit_many``).

    An error names the request: ``request #i:`` in front of its message (the engine's
    convention) and ``requests[i].`` in front of each detail's field.
    """
    calls: list[dict[str, Any]] = []
    for i, request in enumerate(batch.requests):
        try:
            spec = _jobspec(request)
        except EigenError as exc:
            exc.message = f"request #{i}: {exc.message}"
            exc.args = (exc.message,)
            raise _under_request(exc, i) from None
        calls.append({"source": request.source, "spec": spec, "owner": owner,
                      **request.options()})
    try:
        jobs = engine.submit_many(calls)
    except EigenError as exc:
        number = _REQUEST_NUMBER.match(exc.message)
        if number is not None:
            _under_request(exc, int(number.group(1)))
        raise
    return [engine.status(job.id) for job in jobs]


def _under_request(exc: EigenError, index: int) -> EigenError:
    """Put the fields of ``exc``'s details under ``requests[index]``."""
    prefix = f"requests[{index}]"
    exc.details = tuple(replace(d, field=f"{prefix}.{d.field}" if d.field else prefix)
                        for d in exc.details)
    return exc


def _page(engine: Engine, query: JobsQuery) -> tuple[list[JobRecord], int]:
    filters: dict[str, Any] = {"state": query.state, "owner": query.owner, "search": query.search}
    records = engine.jobs(**filters, limit=query.limit, offset=query.offset) if query.limit else []
    return records, engine.count_jobs(**filters)


def _results(engine: Engine, job_id: str, record: JobRecord | None = None) -> ResultsResponse:
    if record is None:
        record = engine.status(job_id)
    if not record.is_terminal:
        raise FailedPrecondition(
            f"job {job_id} is {record.state}; its results exist once it is DONE "
            "(add ?wait=SECONDS to wait for it)",
            details=[ErrorDetail(field="job_id", message=f"{job_id} is {record.state}")],
        )
    result = engine.result(job_id)  # raises JobFailed / JobCancelled for ERROR / CANCELLED
    payload: Any = {"schema_version": SCHEMA_VERSION, **result.to_dict()}
    response: ResultsResponse = payload
    return response


class JobsHandler(EigenHandler):
    """``GET jobs`` (filter and page) and ``POST jobs`` (submit)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List jobs, newest first: ``?state=&owner=&search=&limit=&offset=``."""
        query = JobsQuery.from_query(self.query)
        records, total = await self.call(_page, await self.engine(), query)
        response: JobListResponse = {
            "schema_version": SCHEMA_VERSION,
            "jobs": [job_response(r) for r in records],
            "total": total,
            "limit": query.limit,
            "offset": query.offset,
        }
        self.reply(response)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Submit a job; 201 with ``Location`` and the job (compiled synchronously)."""
        request = SubmitRequest.from_json(self.json_body())
        record = await self.call(_submit, await self.engine(), request, self.owner)
        metrics.JOBS_SUBMITTED.inc()
        self.set_header("Location", url_path_join(self.base_url, "eigen/api/v1/jobs", record.id))
        self.reply(job_response(record), status=201)


class JobBatchHandler(EigenHandler):
    """``POST jobs/batch``: submit many jobs at once, all or none."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Submit ``{"requests": [<POST jobs body>, ...]}``; 201 with the jobs in order.

        Every request is checked and compiled before any is stored: one bad request
        fails the batch with an error naming it, and no job is created.
        """
        batch = BatchSubmitRequest.from_json(self.json_body())
        records = await self.call(_submit_many, await self.engine(), batch, self.owner)
        metrics.JOBS_SUBMITTED.inc(len(records))
        response: BatchJobsResponse = {
            "schema_version": SCHEMA_VERSION,
            "jobs": [job_response(r) for r in records],
        }
        self.reply(response, status=201)


class JobHandler(EigenHandler):
    """``GET jobs/{id}`` (``?wait=S`` long-polls until it finishes) and ``DELETE`` (cancel)."""

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        """Read one job; with ``?wait=S`` (0..60) return as soon as it is finished."""
        job_id = validate_job_id(job_id)
        engine = await self.engine()
        self.reply(job_response(await _read_job(self, engine, job_id)))

    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        """Cancel a job; returns the job after the request."""
        job_id = validate_job_id(job_id)
        engine = await self.engine()
        self.reply(job_response(await self.call(engine.cancel, job_id)))


class JobResultsHandler(EigenHandler):
    """``GET jobs/{id}/results``: ``results.json`` (``?wait=S`` waits for the job first)."""

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        """Return the results of a finished job (409 while it runs or if it failed)."""
        job_id = validate_job_id(job_id)
        engine = await self.engine()
        # With ?wait, one round trip for clients that wait for a result (RemoteEngine.result).
        record = await _read_job(self, engine, job_id) if query_wait(self.query) > 0 else None
        self.reply(await self.call(_results, engine, job_id, record))


class ArtifactListHandler(EigenHandler):
    """``GET jobs/{id}/artifacts``: the names of the job's QFS files."""

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        """List artifact names."""
        job_id = validate_job_id(job_id)
        engine = await self.engine()
        names = await self.call(engine.artifacts, job_id)
        response: ArtifactListResponse = {
            "schema_version": SCHEMA_VERSION,
            "job_id": job_id,
            "artifacts": sorted(names),
        }
        self.reply(response)


class ArtifactHandler(EigenHandler):
    """``GET jobs/{id}/artifacts/{name}``: one file's bytes, typed by its extension."""

    @web.authenticated
    @authorized
    async def get(self, job_id: str, name: str) -> None:
        """Return the artifact's bytes."""
        job_id = validate_job_id(job_id)
        if not _ARTIFACT_NAME.fullmatch(name) or len(name) > 128:
            message = f"{name!r} is not an artifact name (e.g. results.json)"
            raise InvalidArgument(message, details=[ErrorDetail(field="name", message=message)])
        engine = await self.engine()
        data: bytes = await self.call(engine.artifact, job_id, name)
        suffix = name[name.rfind("."):] if "." in name else ""
        self.set_header("Content-Disposition", f'inline; filename="{name}"')
        self.finish(data, set_content_type=_TEXT_TYPES.get(suffix, "application/octet-stream"))


_ID: Final = r"(?P<job_id>[^/]+)"

default_handlers: Final = [
    (r"/jobs", JobsHandler),
    (r"/jobs/batch", JobBatchHandler),  # before jobs/{id}, which would match "batch"
    (rf"/jobs/{_ID}", JobHandler),
    (rf"/jobs/{_ID}/results", JobResultsHandler),
    (rf"/jobs/{_ID}/artifacts", ArtifactListHandler),
    (rf"/jobs/{_ID}/artifacts/(?P<name>[^/]+)", ArtifactHandler),
]


async def _read_job(handler: EigenHandler, engine: Any, job_id: str) -> JobRecord:
    """The job's record; with ``?wait=S`` (0..60) as soon as it is finished, or after S s.

    The wait is a bus subscription, so no thread is held while the job runs."""
    wait = query_wait(handler.query)
    if wait > 0:
        return await handler.eigen.bus.wait_terminal(
            job_id, wait, lambda: handler.call(engine.status, job_id)
        )
    record: JobRecord = await handler.call(engine.status, job_id)
    return record

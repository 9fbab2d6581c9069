"""``events``: the WebSocket streams each state of a job in order; so does the event bus."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from eigen_jupyter.server_ext.bus import JOB_EVENT_SCHEMA_ID
from tests.jupyter.server.client import STATES


async def read_until_done(ws: Any, job_id: str | None = None) -> list[dict[str, Any]]:
    messages = []
    while True:
        raw = await asyncio.wait_for(ws.read_message(), 60)
        assert raw is not None, "the socket closed"
        message = json.loads(raw)
        messages.append(message)
        job = message["job"]
        if (job_id is None or job["id"] == job_id) and job["state"] == "DONE":
            return messages


async def test_websocket_sees_every_state_in_order(
    jp_ws_fetch: Any, submit: Any, jp_serverapp: Any
) -> None:
    bus: list[dict[str, Any]] = []

    async def on_event(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        bus.append(data)

    jp_serverapp.event_logger.add_listener(schema_id=JOB_EVENT_SCHEMA_ID, listener=on_event)
    ws = await jp_ws_fetch("eigen", "api", "v1", "events")
    job = await submit()
    messages = await read_until_done(ws, job["id"])
    ws.close()
    states = [m["job"]["state"] for m in messages
              if m["type"] == "job.state" and m["job"]["id"] == job["id"]]
    assert states == STATES
    assert all(m["schema_version"] == 1 for m in messages)
    seqs = [m["seq"] for m in messages]
    assert seqs == sorted(seqs)
    await asyncio.sleep(0)  # the event bus runs its listeners as tasks
    assert [d["state"] for d in bus if d["type"] == "job.state"] == STATES
    assert {d["job_id"] for d in bus} == {job["id"]}


async def test_websocket_job_filter(jp_ws_fetch: Any, submit: Any, held_queue: Any) -> None:
    first = await submit()
    second = await submit(priority=90)  # runs first
    ws = await jp_ws_fetch("eigen", "api", "v1", "events", params={"job_id": first["id"]})
    held_queue.release()  # now the server's engine takes the lease and runs both
    messages = await read_until_done(ws)  # ends at the first DONE of the filtered stream
    ws.close()
    assert {m["job"]["id"] for m in messages} == {first["id"]}
    assert [m["job"]["state"] for m in messages if m["type"] == "job.state"] == ["RUNNING", "DONE"]
    assert second["id"] != first["id"]


async def test_websocket_refuses_a_bad_filter(jp_ws_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_ws_fetch("eigen", "api", "v1", "events", params={"job_id": "../x"})
    assert info.value.code == 400

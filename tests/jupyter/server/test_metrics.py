"""The engine's metrics appear on Jupyter's own ``/metrics``."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client.parser import text_string_to_metric_families


async def scrape(jp_fetch: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = (await jp_fetch("metrics")).body.decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics(api: Any, submit: Any, jp_fetch: Any) -> None:
    job = await submit()
    await api("jobs", job["id"], params={"wait": "60"})
    await api("compile", method="POST", body={"source": "x", "mode": "validate"},
              raise_error=False)
    for _ in range(100):  # the jobs-by-state gauges are refreshed shortly after a change
        samples = await scrape(jp_fetch)
        if samples.get(("eigen_jobs", (("state", "DONE"),))) == 1.0:
            break
        await asyncio.sleep(0.05)
    assert samples[("eigen_jobs", (("state", "DONE"),))] == 1.0
    assert samples[("eigen_jobs", (("state", "RUNNING"),))] == 0.0
    assert samples[("eigen_queue_depth", ())] == 0.0
    assert samples[("eigen_jobs_submitted_total", ())] >= 1
    assert samples[("eigen_job_transitions_total", (("state", "DONE"),))] >= 1
    for stage in ("PENDING", "COMPILING", "QUEUED", "RUNNING"):
        assert samples[("eigen_job_stage_seconds_count", (("stage", stage),))] >= 1
    assert samples[("eigen_compile_seconds_count", ())] >= 1

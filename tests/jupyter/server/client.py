"""What the server tests send and how they read replies."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tornado import web
from tornado.httpclient import HTTPClientError
from tornado.routing import Rule

from eigen_jupyter.server_ext.base import EigenHandler
from eigen_jupyter.server_ext.events import EventsHandler

EXAMPLES = Path(__file__).parents[3] / "examples"
BELL = (EXAMPLES / "bell" / "program.eigen.py").read_text()
BROKEN = (
    "from eigen_lang import hybrid_program, h\n"
    "\n"
    "@hybrid_program()\n"
    "def f():\n"
    "    while True:\n"
    "        h(0)\n"
)
"""A program that does not compile: E201 (while loop) at line 5, column 5."""

STATES = ["PENDING", "COMPILING", "QUEUED", "RUNNING", "DONE"]
"""Every state of a job that succeeds, in order."""


def load(response: Any) -> Any:
    """The JSON body of a response."""
    return json.loads(response.body.decode())


async def in_thread(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a blocking client call while the test's loop keeps serving requests."""
    return await asyncio.to_thread(fn, *args, **kwargs)


SAMPLES = {"job_id": "j-0123456789ab", "name": "results.json", "device_id": "aer",
           "path": "unknown"}
VERBS = ("get", "post", "delete", "put", "patch")
BODIES = {"POST": json.dumps({"source": BELL}), "PUT": "{}", "PATCH": "{}"}


def eigen_routes(web_app: web.Application) -> list[tuple[str, str, type]]:
    """``(method, path, handler)`` for every verb of every registered Eigen handler."""

    def rules(router: Any) -> Iterator[Rule]:
        for rule in getattr(router, "rules", ()):
            yield rule
            yield from rules(rule.target)

    found = []
    for rule in rules(web_app.default_router):
        handler = rule.target
        if not (isinstance(handler, type) and issubclass(handler, (EigenHandler, EventsHandler))):
            continue
        pattern = rule.matcher.regex.pattern.rstrip("$")
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLES[m.group(1)], pattern)
        for verb in VERBS:
            if getattr(handler, verb) is not getattr(web.RequestHandler, verb):
                found.append((verb.upper(), path, handler))
    return found


async def status_of(client: Any, method: str, path: str, **kwargs: Any) -> int:
    try:
        response = await client.fetch(path, method=method, body=BODIES.get(method),
                                      allow_nonstandard_methods=True, **kwargs)
    except HTTPClientError as exc:
        return exc.code
    return response.code

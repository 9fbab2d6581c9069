"""Every Eigen route and verb requires Jupyter's auth; XSRF stays on for cookie sessions."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from tests.jupyter.server.client import BELL, eigen_routes, status_of


def test_every_resource_is_registered_under_the_base_url(jp_serverapp: Any) -> None:
    routes = {(m, p) for m, p, _ in eigen_routes(jp_serverapp.web_app)}
    base = "/a%40b/eigen/api/v1/"
    expected = {
        ("GET", "health"), ("GET", "version"), ("GET", "jobs"), ("POST", "jobs"),
        ("POST", "jobs/batch"),
        ("GET", "jobs/j-0123456789ab"), ("DELETE", "jobs/j-0123456789ab"),
        ("GET", "jobs/j-0123456789ab/results"), ("GET", "jobs/j-0123456789ab/artifacts"),
        ("GET", "jobs/j-0123456789ab/artifacts/results.json"), ("POST", "compile"),
        ("GET", "devices"), ("GET", "devices/aer"), ("GET", "devices/aer/status"),
        ("POST", "devices/aer/calibrate"), ("POST", "devices/aer/reservations"),
        ("GET", "events"),
        ("GET", "unknown"), ("POST", "unknown"), ("DELETE", "unknown"),
    }
    assert routes == {(m, base + p) for m, p in expected}


async def test_no_token_is_refused_on_every_route_and_verb(
    jp_serverapp: Any, http_server_client: Any
) -> None:
    routes = eigen_routes(jp_serverapp.web_app)
    codes = {(m, p): await status_of(http_server_client, m, p) for m, p, _ in routes}
    assert codes == dict.fromkeys(codes, 403)
    assert jp_serverapp.web_app.settings["eigen"].engine_started is False  # nothing ran


async def test_a_wrong_token_is_refused(jp_serverapp: Any, http_server_client: Any) -> None:
    headers = {"Authorization": "token not-the-token"}
    for method, path, _ in eigen_routes(jp_serverapp.web_app):
        assert await status_of(http_server_client, method, path, headers=headers) == 403


async def test_cookie_session_post_needs_xsrf(
    jp_serverapp: Any, http_server_client: Any, jp_base_url: str
) -> None:
    """A browser session (cookie) must send the XSRF token on POST; with it, it works."""
    token = jp_serverapp.identity_provider.token
    login = f"{jp_base_url}login"
    page = await http_server_client.fetch(login)
    cookies = _cookies(page)
    xsrf = cookies["_xsrf"]
    logged_in = await http_server_client.fetch(
        login, method="POST", follow_redirects=False, raise_error=False,
        body=urlencode({"password": token, "_xsrf": xsrf}),
        headers={"Cookie": _cookie_header(cookies)},
    )
    assert logged_in.code == 302
    cookies.update(_cookies(logged_in))
    jobs = f"{jp_base_url}eigen/api/v1/jobs"
    session = {"Cookie": _cookie_header(cookies)}
    assert await status_of(http_server_client, "GET", jobs, headers=session) == 200
    body = json.dumps({"source": BELL})
    refused = await http_server_client.fetch(jobs, method="POST", body=body, headers=session,
                                             raise_error=False)
    assert refused.code == 403
    assert json.loads(refused.body)["error"]["code"] == "PERMISSION_DENIED"
    accepted = await http_server_client.fetch(
        jobs, method="POST", body=body, headers={**session, "X-XSRFToken": xsrf}
    )
    assert accepted.code == 201
    assert json.loads(accepted.body)["owner"]  # the session's Jupyter identity


def _cookies(response: Any) -> dict[str, str]:
    out = {}
    for header in response.headers.get_list("Set-Cookie"):
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())

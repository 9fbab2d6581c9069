"""Every verb of every Eigen route asks Jupyter's authorizer for the ``eigen`` resource."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from jupyter_server.auth import Authorizer
from traitlets.config import Config

from eigen_jupyter.server_ext.events import EventsHandler
from tests.jupyter.server.client import eigen_routes, status_of

ACTIONS = {"GET": "read", "POST": "write", "DELETE": "write", "WEBSOCKET": "execute"}


class DenyEigen(Authorizer):
    """Refuses the ``eigen`` resource and records what each request asked for."""

    asked: ClassVar[list[tuple[str, str, str]]] = []

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        method = "WEBSOCKET" if isinstance(handler, EventsHandler) else handler.request.method
        DenyEigen.asked.append((method, action, resource))
        return resource != "eigen"


@pytest.fixture
def jp_server_config(jp_server_config: Config) -> Config:
    DenyEigen.asked = []
    jp_server_config["ServerApp"]["authorizer_class"] = DenyEigen
    return jp_server_config


async def test_a_user_without_the_eigen_permission_is_refused_everywhere(
    jp_serverapp: Any, http_server_client: Any, jp_auth_header: Any
) -> None:
    routes = eigen_routes(jp_serverapp.web_app)
    for method, path, _ in routes:
        code = await status_of(http_server_client, method, path, headers=jp_auth_header)
        assert code == 403, (method, path)
    asked = [(m, a) for m, a, r in DenyEigen.asked if r == "eigen"]
    assert len(asked) == len(routes)  # exactly one check per request
    expected = {("WEBSOCKET" if h is EventsHandler else m) for m, _, h in routes}
    assert set(asked) == {(m, ACTIONS[m]) for m in expected}

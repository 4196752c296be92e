"""The ASGI app assembled exactly as Reflex does at start (tfai/tfai.py's transformers), without compiling pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from tests.fixtures.stack import Stack

BASE = "http://localhost:3000"
# What a run of the stand-in for Reflex's upload handler saw; a refused upload leaves it empty.
UPLOAD_RUNS: list[dict[str, Any]] = []


async def _reflex_upload(request: Request) -> PlainTextResponse:
    """Stands in for Reflex's /_upload (registered only when pages are compiled): records and reads the body."""
    body = await request.body()
    UPLOAD_RUNS.append({"token": request.headers.get("reflex-client-token"), "bytes": len(body)})
    return PlainTextResponse('{"delta": {"state": "of the tab"}}\n')


@pytest.fixture(scope="session")
def deployed(stack: Stack, db_engine: None) -> Any:
    """App.__call__'s assembly: a Starlette transformer gets Reflex's CORS middleware and mounts Reflex's own app,
    the other transformers wrap it in order, and the top app gets CORS again."""
    from reflex.app import App
    from starlette.applications import Starlette

    import tfai.tfai as entry
    from tfai.api.security_headers import harden

    reflex_app: Any = entry.app  # its _api and api_transformer are set once the app is built (Optional types)
    reflex_app._api.add_route("/_upload", _reflex_upload, methods=["POST"])
    asgi: Any = reflex_app._api
    for transform in reflex_app.api_transformer:
        if isinstance(transform, Starlette):
            App._add_cors(transform)
            transform.mount("", asgi)
            asgi = transform
        else:  # harden also configures the process's logging: not in a test run
            asgi = harden(asgi, configure_logs=False) if transform is harden else transform(asgi)
    top = Starlette()
    top.mount("", asgi)
    App._add_cors(top)
    return top


@pytest.fixture
def upload_runs() -> list[dict[str, Any]]:
    """Runs of the stand-in upload handler (a refused upload adds none)."""
    return UPLOAD_RUNS


@pytest.fixture
async def web(deployed: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=deployed, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client

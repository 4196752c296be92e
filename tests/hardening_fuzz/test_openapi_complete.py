"""The OpenAPI document lists every route and documents every error answer with the shared error shape."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from tests.fixtures.tenants import World
from tfai.api import routes
from tfai.api.app import API_PREFIX, create_api
from tfai.api.errors import ERROR_RESPONSES

ERROR_REF = "#/components/schemas/ErrorResponse"
# Browser redirects and the health probe answer no API errors of their own (only 422 for bad parameters).
NOT_API_ERRORS = {("GET", f"{API_PREFIX}/auth/session"), ("GET", f"{API_PREFIX}/healthz")}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return create_api().openapi()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def declared_routes() -> set[tuple[str, str]]:
    """(method, path) of every APIRoute of every module under tfai.api.routes, as app.py mounts them."""
    found = set()
    for info in pkgutil.iter_modules(routes.__path__):
        router = getattr(importlib.import_module(f"{routes.__name__}.{info.name}"), "router", None)
        for route in getattr(router, "routes", []):
            if isinstance(route, APIRoute) and route.include_in_schema:
                assert route.methods is not None  # FastAPI gives every APIRoute its methods (GET by default)
                found |= {(method, API_PREFIX + route.path) for method in route.methods}
    return found


def test_every_route_is_in_the_document(doc: dict[str, Any]) -> None:
    routes = declared_routes()
    documented = {(method, path) for method, path, _ in operations(doc)}
    assert routes, "the app has routes"
    assert routes == documented


def test_every_operation_documents_its_errors_with_the_shared_shape(doc: dict[str, Any]) -> None:
    missing = []
    for method, path, op in operations(doc):
        statuses = set(op["responses"])
        if (method, path) in NOT_API_ERRORS:
            needed = {"422"} if op.get("parameters") else set()
        else:
            needed = {str(code) for code in ERROR_RESPONSES}
        if needed - statuses:
            missing.append(f"{method} {path}: {sorted(needed - statuses)}")
        for status, answer in op["responses"].items():
            if status.startswith(("4", "5")) and path != f"{API_PREFIX}/healthz":
                schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
                assert schema.get("$ref") == ERROR_REF, f"{method} {path} {status} must use ErrorResponse"
        assert any(s.startswith(("2", "3")) for s in statuses), f"{method} {path} documents no success answer"
    assert not missing, "undocumented error answers:\n" + "\n".join(missing)
    assert "HTTPValidationError" not in str(doc), "422 answers use ErrorResponse, not FastAPI's default shape"


async def test_nul_characters_are_refused_as_input_not_a_server_error(
        api: httpx.AsyncClient, auth_headers, world: World) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Found by the fuzzer: PostgreSQL cannot store NUL; that is the caller's 422, and nothing is written."""
    headers = auth_headers(world.a.requester)
    answer = await api.post("/api/v1/tickets", json={"ticket_type": "laptop\x00", "data": {}}, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_input"
    answer = await api.get("/api/v1/tickets", params={"search": "a\x00b"}, headers=headers)
    assert answer.status_code in (200, 422)
    assert answer.status_code != 500

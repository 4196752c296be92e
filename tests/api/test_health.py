"""GET /api/v1/healthz and the error shape of the API."""

from __future__ import annotations

import httpx


async def test_healthz_reports_database_and_redis(api: httpx.AsyncClient) -> None:
    resp = await api.get("/api/v1/healthz")
    assert resp.status_code == 200
    body = resp.json()
    assert body["database"] == "ok" and body["redis"] == "ok"
    assert body["worker"] in ("ok", "missing")
    assert isinstance(body["outbox_backlog"], int)


async def test_unknown_route_answers_json_error(api: httpx.AsyncClient) -> None:
    resp = await api.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"


async def test_oversized_body_gets_413(api: httpx.AsyncClient) -> None:
    resp = await api.post("/api/v1/healthz", content=b"x" * (1024 * 1024 + 10),
                          headers={"content-type": "application/json"})
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "payload_too_large"


async def test_openapi_document_is_served(api: httpx.AsyncClient) -> None:
    resp = await api.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert "/api/v1/healthz" in resp.json()["paths"]

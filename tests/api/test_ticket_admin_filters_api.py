"""REST ticket list: `status`, `assignee_id`, `created_from` / `created_to` filters, validation and tenancy."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.bundles import install
from tests.fixtures.tenants import World
from tfai.services.tickets import submission, tracking

LAPTOP = {"model": "air-13", "price": 1200}
URL = "/api/v1/tickets?scope=company"


async def _two(world: World) -> tuple[int, int, int]:
    await install(world.a)
    first = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    second = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    await tracking.hold_ticket(world.a.ticket_admin.actor, second.id, reason="budget")
    assert first.current_task is not None and first.current_task.assignee_id is not None
    return first.id, second.id, first.current_task.assignee_id


def _ids(resp: httpx.Response) -> set[int]:
    assert resp.status_code == 200, resp.text
    return {t["id"] for t in resp.json()["items"]}


async def test_rest_admin_filters(world: World, api: httpx.AsyncClient, auth_headers: Any,
                                  owner: Any) -> None:
    first, second, assignee = await _two(world)
    owner.execute("UPDATE ticket_instances SET created_at = '2024-01-15T12:00:00Z' WHERE id = %s", (first,))
    h = auth_headers(world.a.ticket_admin)
    assert _ids(await api.get(f"{URL}&status=ON_HOLD", headers=h)) == {second}
    assert _ids(await api.get(f"{URL}&status=IN_PROGRESS", headers=h)) == {first}
    assert first in _ids(await api.get(f"{URL}&assignee_id={assignee}", headers=h))
    assert _ids(await api.get(f"{URL}&assignee_id={world.a.requester.id}", headers=h)) == set()
    assert _ids(await api.get(f"{URL}&created_from=2024-01-15&created_to=2024-01-16", headers=h)) == {first}
    assert _ids(await api.get(f"{URL}&created_from=2024-01-16T00:00:00Z", headers=h)) == {second}
    assert _ids(await api.get(f"{URL}&status=ON_HOLD&created_to=2024-02-01", headers=h)) == set()


async def test_rest_admin_filters_bad_values(world: World, api: httpx.AsyncClient, auth_headers: Any) -> None:
    h = auth_headers(world.a.ticket_admin)
    for query in ("status=DONE", "assignee_id=0", "assignee_id=x", "created_from=yesterday"):
        resp = await api.get(f"{URL}&{query}", headers=h)
        assert resp.status_code == 422, query
    resp = await api.get(f"{URL}&created_from=2024-02-01&created_to=2024-01-01", headers=h)
    assert resp.status_code == 422
    assert any(d.get("field") == "created_to" for d in resp.json()["error"]["details"])
    resp = await api.get(f"{URL}&status=ON_HOLD", headers=auth_headers(world.a.requester))
    assert resp.status_code == 403


async def test_rest_admin_filters_cross_company(world: World, api: httpx.AsyncClient, auth_headers: Any) -> None:
    first, second, assignee = await _two(world)
    h = auth_headers(world.b.admin)
    assert _ids(await api.get(f"{URL}&assignee_id={assignee}", headers=h)) == set()
    assert _ids(await api.get(f"{URL}&status=ON_HOLD", headers=h)) == set()


async def test_openapi_documents_the_filters(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/api/v1/openapi.json")).json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/tickets"]["get"]["parameters"]}
    assert {"status", "assignee_id", "created_from", "created_to"} <= set(params)
    assert "ON_HOLD" in str(params["status"]["schema"])

"""/api/v1/definitions: upload, validate, browse, diff, export and dry-run over HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fixtures.bundles import EXAMPLE_FILES, laptop
from tests.fixtures.flows import bundle, form
from tfai.domain.bundle import load_bundle_text

BASE = "/api/v1/definitions"
JSON = {"content-type": "application/json"}
YAML = {"content-type": "application/yaml"}


def _count(owner, table: str, company_id: int) -> int:  # type: ignore[no-untyped-def]
    return owner.execute(f"SELECT count(*) FROM {table} WHERE company_id = %s", (company_id,)).fetchone()[0]


async def _upload(api: httpx.AsyncClient, headers: dict[str, str], bundle: dict) -> httpx.Response:  # type: ignore[type-arg]
    return await api.post(f"{BASE}/bundles", content=json.dumps(bundle), headers={**headers, **JSON})


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
async def test_upload_each_example(api, world, owner, auth_headers, path) -> None:  # type: ignore[no-untyped-def]
    headers = {**auth_headers(world.a.designer), **(YAML if path.suffix != ".json" else JSON)}
    text = path.read_text(encoding="utf-8")
    checked = await api.post(f"{BASE}/validate", content=text.encode(), headers=headers)
    assert checked.status_code == 200 and (checked.json()["valid"], checked.json()["errors"]) == (True, [])
    assert all(w["code"] == "ticket_type.unknown_role" for w in checked.json()["warnings"])
    resp = await api.post(f"{BASE}/bundles", content=text.encode(), headers=headers)
    assert resp.status_code == 201, resp.text
    bundle = load_bundle_text(text)
    body = resp.json()
    assert (body["workflow_key"], body["workflow_version"], body["created"], body["changed"]) == (
        bundle["workflow"]["key"], 1, True, True)
    assert body["ticket_types"] == [{"key": t["key"], "version": 1} for t in bundle["ticket_types"]]
    assert _count(owner, "workflow_definitions", world.a.company_id) == 1
    again = await api.post(f"{BASE}/bundles", content=text.encode(), headers=headers)
    assert again.status_code == 201 and (again.json()["created"], again.json()["changed"]) == (False, False)


async def test_invalid_upload_answers_422_and_stores_nothing(api, world, owner, auth_headers) -> None:  # type: ignore[no-untyped-def]
    headers = auth_headers(world.a.designer)
    bad = laptop()
    bad["workflow"]["transitions"][0]["to"] = "nowhere"
    resp = await _upload(api, headers, bad)
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert error["code"] == "invalid_definition"
    assert any(p["path"].startswith("/workflow/transitions/0") for p in error["details"])
    syntax = await api.post(f"{BASE}/bundles", content=b"{not json", headers={**headers, **JSON})
    assert syntax.status_code == 422 and syntax.json()["error"]["details"][0]["code"] == "document.syntax"
    binary = await api.post(f"{BASE}/bundles", content=b"\xff\xfe\x00", headers={**headers, **JSON})
    assert binary.status_code == 422
    for table in ("workflow_definitions", "task_definitions", "ticket_definitions", "audit_log"):
        assert _count(owner, table, world.a.company_id) == 0
    checked = await api.post(f"{BASE}/validate", content=json.dumps(bad), headers={**headers, **JSON})
    assert checked.status_code == 200 and checked.json()["valid"] is False and checked.json()["errors"]
    yaml_error = await api.post(f"{BASE}/validate", content=b"format: [", headers={**headers, **YAML})
    assert yaml_error.json()["valid"] is False and yaml_error.json()["errors"][0]["code"] == "document.syntax"


async def test_oversized_bundle_is_refused(api, world, auth_headers) -> None:  # type: ignore[no-untyped-def]
    big = laptop()
    big["workflow"]["description"] = "x" * (1024 * 1024 + 1)
    resp = await _upload(api, auth_headers(world.a.designer), big)
    assert resp.status_code == 413


async def test_versions_details_and_diff(api, world, auth_headers) -> None:  # type: ignore[no-untyped-def]
    headers = auth_headers(world.a.designer)
    assert (await _upload(api, headers, laptop())).status_code == 201
    changed = laptop()
    changed["workflow"]["tasks"][3]["title"] = "Tell the requester"
    second = await _upload(api, headers, changed)
    assert second.json()["workflow_version"] == 2 and second.json()["ticket_types"] == [{"key": "laptop", "version": 1}]
    newest = (await api.get(f"{BASE}/workflows/laptop-request", headers=headers)).json()
    assert newest["version"] == 2 and [v["version"] for v in newest["versions"]] == [2, 1]
    assert newest["ticket_types"] == [{"key": "laptop", "version": 1, "title": "New laptop"}]
    assert newest["bundle"] == changed["workflow"]
    old = (await api.get(f"{BASE}/workflows/laptop-request", params={"version": 1}, headers=headers)).json()
    assert old["tasks"][3]["title"] == "Tell requester"
    missing = await api.get(f"{BASE}/workflows/laptop-request", params={"version": 9}, headers=headers)
    assert missing.status_code == 404
    lines = (await api.get(f"{BASE}/workflows/laptop-request/diff", params={"v1": 1, "v2": 2},
                           headers=headers)).json()
    assert [ln["text"] for ln in lines if ln["kind"] in ("add", "remove")] == [
        '-      "title": "Tell requester",', '+      "title": "Tell the requester",']
    listed = (await api.get(f"{BASE}/workflows", params={"search": "laptop"}, headers=headers)).json()
    assert listed["total"] == 1 and listed["items"][0]["version"] == 2
    assert listed["items"][0]["ticket_type_keys"] == ["laptop"]
    tts = (await api.get(f"{BASE}/ticket-types", headers=headers)).json()
    assert [(t["key"], t["workflow_key"]) for t in tts["items"]] == [("laptop", "laptop-request")]
    tt = (await api.get(f"{BASE}/ticket-types/laptop", headers=headers)).json()
    assert tt["company_role_access"] == ["user"] and tt["workflow_title"] == "Laptop request"
    tasks = (await api.get(f"{BASE}/tasks", params={"page_size": 2}, headers=headers)).json()
    assert tasks["total"] == 4 and [t["key"] for t in tasks["items"]] == ["approve", "order"]
    task = (await api.get(f"{BASE}/tasks/laptop-request/rejected", headers=headers)).json()
    assert task["title"] == "Tell the requester" and task["workflow_version"] == 2
    bad_page = await api.get(f"{BASE}/workflows", params={"page_size": 1000}, headers=headers)
    assert bad_page.status_code == 422


@pytest.mark.parametrize("fmt", ["json", "yaml"])
async def test_export_then_import_into_another_company(api, world, auth_headers, fmt) -> None:  # type: ignore[no-untyped-def]
    a, b = auth_headers(world.a.designer), auth_headers(world.b.designer)
    assert (await _upload(api, a, laptop())).status_code == 201
    exported = await api.get(f"{BASE}/bundles/laptop-request", params={"format": fmt}, headers=a)
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == f'attachment; filename="laptop-request.bundle.{fmt}"'
    assert exported.headers["content-type"].startswith("application/json" if fmt == "json" else "application/yaml")
    document = load_bundle_text(exported.text)
    assert document == laptop()
    imported = await api.post(f"{BASE}/bundles", content=exported.content, headers={**b, **(JSON if fmt == "json"
                                                                                              else YAML)})
    assert imported.status_code == 201 and imported.json()["created"] is True
    again = await api.get(f"{BASE}/bundles/laptop-request", params={"format": fmt}, headers=b)
    assert again.text == exported.text
    bad = await api.get(f"{BASE}/bundles/laptop-request", params={"format": "xml"}, headers=a)
    assert bad.status_code == 422


async def test_dry_run(api, world, auth_headers) -> None:  # type: ignore[no-untyped-def]
    headers = auth_headers(world.a.designer)
    await _upload(api, headers, laptop())
    ticket = {"model": "air-13", "price": 999}
    cases = [
        ({}, {}, "waiting", ["approve"]),
        ({"approve": {"approved": False}, "rejected": {"note": "no"}}, {}, "completed", ["approve", "rejected"]),
        ({"approve": {"approved": True}}, {"order": {"status": 200, "headers": {}, "body": {"id": "A1"}},
                                           "delivery": {"delivered_at": "soon"}},
         "completed", ["approve", "order", "delivery"]),
    ]
    for outputs, responses, outcome, path in cases:
        resp = await api.post(f"{BASE}/dry-run", json={"workflow_key": "laptop-request", "ticket": ticket,
                                                       "outputs": outputs, "responses": responses}, headers=headers)
        assert resp.status_code == 200, resp.text
        assert (resp.json()["outcome"], resp.json()["path"]) == (outcome, path)
    raw = await api.post(f"{BASE}/dry-run", json={"bundle": laptop(), "ticket": ticket,
                                                  "outputs": {"approve": {"approved": True}}}, headers=headers)
    assert raw.json()["stopped_at"] == "order" and raw.json()["steps"][1]["input"] == {"sku": "air-13", "quantity": 1}
    neither = await api.post(f"{BASE}/dry-run", json={"ticket": ticket}, headers=headers)
    assert neither.status_code == 422
    unknown = await api.post(f"{BASE}/dry-run", json={"workflow_key": "nope"}, headers=headers)
    assert unknown.status_code == 404


async def test_another_company_sees_nothing(api, world, owner, auth_headers) -> None:  # type: ignore[no-untyped-def]
    await _upload(api, auth_headers(world.a.designer), laptop())
    b = auth_headers(world.b.designer)
    for path in ("/workflows", "/ticket-types", "/tasks"):
        listed = await api.get(BASE + path, headers=b)
        assert listed.status_code == 200 and listed.json()["total"] == 0 and listed.json()["items"] == []
    for path in ("/workflows/laptop-request", "/workflows/laptop-request/diff?v1=1&v2=1", "/ticket-types/laptop",
                 "/bundles/laptop-request", "/tasks/laptop-request/approve"):
        resp = await api.get(BASE + path, headers=b)
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    run = await api.post(f"{BASE}/dry-run", json={"workflow_key": "laptop-request"}, headers=b)
    assert run.status_code == 404
    assert _count(owner, "workflow_definitions", world.b.company_id) == 0


@pytest.mark.parametrize("who", ["requester", "worker1"])
async def test_requester_and_worker_are_forbidden_everywhere(api, world, owner, auth_headers, who) -> None:  # type: ignore[no-untyped-def]
    await _upload(api, auth_headers(world.a.admin), laptop())
    headers = auth_headers(getattr(world.a, who))
    body = json.dumps(laptop())
    calls = [
        ("POST", "/validate", body), ("POST", "/bundles", body), ("GET", "/workflows", None),
        ("GET", "/workflows/laptop-request", None), ("GET", "/workflows/laptop-request/diff?v1=1&v2=1", None),
        ("GET", "/bundles/laptop-request", None), ("GET", "/ticket-types", None), ("GET", "/ticket-types/laptop", None),
        ("GET", "/tasks", None), ("GET", "/tasks/laptop-request/approve", None),
        ("POST", "/dry-run", json.dumps({"workflow_key": "laptop-request"})),
    ]
    for method, path, content in calls:
        resp = await api.request(method, BASE + path, content=content, headers={**headers, **JSON})
        assert resp.status_code == 403, (path, resp.text)
        assert resp.json()["error"]["code"] == "forbidden"
    assert _count(owner, "workflow_definitions", world.a.company_id) == 1


async def test_anonymous_gets_401(api) -> None:  # type: ignore[no-untyped-def]
    assert (await api.get(f"{BASE}/workflows")).status_code == 401
    assert (await api.post(f"{BASE}/bundles", content=json.dumps(laptop()), headers=JSON)).status_code == 401


async def test_dry_run_clock_steps_fire_timers(api, world, auth_headers) -> None:  # type: ignore[no-untyped-def]
    doc = bundle("te", [form("approve", timeout={"after": "PT48H", "to": "escalate"}), form("escalate")],
                 [("approve", None), ("escalate", None)])
    headers = auth_headers(world.a.designer)
    resp = await api.post(f"{BASE}/dry-run", json={"bundle": doc, "outputs": {"escalate": {"ok": True}},
                                                   "clock": ["PT48H"]}, headers=headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["outcome"] == "completed" and body["path"] == ["approve", "escalate"]
    assert [(t["task"], t["kind"]) for t in body["timers_fired"]] == [("approve", "timeout")]
    bad = await api.post(f"{BASE}/dry-run", json={"bundle": doc, "clock": ["soon"]}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["details"]
    many = await api.post(f"{BASE}/dry-run", json={"bundle": doc, "clock": ["PT1H"] * 101}, headers=headers)
    assert many.status_code == 422

"""The assistant's REST endpoints, including server-sent events, against the fake model."""

from __future__ import annotations

import json
from typing import Any

import httpx
import psycopg

from tests.fixtures.bundles import laptop, placeholder_bundle
from tests.fixtures.db_rows import definition_count
from tests.fixtures.fake_llm import FakeLLM, proposal_reply, status_reply, text_reply
from tests.fixtures.tenants import World

BASE = "/api/v1/assistant"


def _events(body: str) -> list[tuple[str, Any]]:
    out = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


async def test_conversation_message_accept_over_rest(api: httpx.AsyncClient, auth_headers: Any, world: World,
                                                     fake_llm: FakeLLM, owner: psycopg.Connection) -> None:
    headers = auth_headers(world.a.designer)
    resp = await api.post(f"{BASE}/conversations", json={"title": "Laptops"}, headers=headers)
    assert resp.status_code == 201
    conv = resp.json()["id"]
    fake_llm.enqueue(proposal_reply(placeholder_bundle(), "Laptop flow", text="Draft ready."))
    resp = await api.post(f"{BASE}/conversations/{conv}/messages", json={"content": "Laptops"}, headers=headers)
    assert resp.status_code == 200
    body = resp.json()
    assert body["text"] == "Draft ready." and body["proposal"]["valid"] is True
    proposal = body["proposal"]["id"]
    assert body["proposal"]["placeholders"][0]["path"] == "/workflow/tasks/1/action_url"
    resp = await api.post(f"{BASE}/proposals/{proposal}/accept", headers=headers)
    assert resp.status_code == 422 and resp.json()["error"]["details"][0]["field"] == "/workflow/tasks/1/action_url"
    resp = await api.post(f"{BASE}/proposals/{proposal}/accept", json={"bundle": laptop()}, headers=headers)
    assert resp.status_code == 201 and resp.json()["workflow_version"] == 1
    assert definition_count(owner, world.a.company_id) == 2
    resp = await api.get(f"{BASE}/conversations/{conv}", headers=headers)
    assert resp.status_code == 200
    assert resp.json()["messages"][1]["proposal"]["status"] == "accepted"
    listed = (await api.get(f"{BASE}/conversations", headers=headers)).json()
    assert [c["id"] for c in listed["items"]] == [conv]
    resp = await api.patch(f"{BASE}/conversations/{conv}", json={"title": "Renamed"}, headers=headers)
    assert resp.status_code == 200 and resp.json()["title"] == "Renamed"
    assert (await api.delete(f"{BASE}/conversations/{conv}", headers=headers)).status_code == 204
    assert (await api.get(f"{BASE}/conversations/{conv}", headers=headers)).status_code == 404


async def test_stream_answers_server_sent_events(api: httpx.AsyncClient, auth_headers: Any, world: World,
                                                 fake_llm: FakeLLM) -> None:
    headers = auth_headers(world.a.designer)
    conv = (await api.post(f"{BASE}/conversations", headers=headers)).json()["id"]
    fake_llm.enqueue(proposal_reply(laptop(), "Laptops", text="Working on it, one moment."))
    resp = await api.post(f"{BASE}/conversations/{conv}/messages?stream=true", json={"content": "Laptops"},
                          headers=headers)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
    events = _events(resp.text)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "progress" and kinds[-1] == "final" and kinds.count("text") >= 2
    assert "".join(d["text"] for k, d in events if k == "text") == "Working on it, one moment."
    assert events[-1][1]["proposal"]["valid"] is True


async def test_stream_reports_model_failure_as_error_event(api: httpx.AsyncClient, auth_headers: Any,
                                                           world: World, fake_llm: FakeLLM) -> None:
    headers = auth_headers(world.a.designer)
    conv = (await api.post(f"{BASE}/conversations", headers=headers)).json()["id"]
    fake_llm.enqueue(status_reply(500))
    resp = await api.post(f"{BASE}/conversations/{conv}/messages?stream=true", json={"content": "x"},
                          headers=headers)
    kind, data = _events(resp.text)[-1]
    assert kind == "error" and data["code"] == "assistant_unavailable" and data["details"]["retry"] is True
    fake_llm.enqueue(status_reply(429))
    resp = await api.post(f"{BASE}/conversations/{conv}/messages", json={"content": "x"}, headers=headers)
    assert resp.status_code == 503 and "429" in resp.json()["error"]["message"]


async def test_rest_isolation_and_roles(api: httpx.AsyncClient, auth_headers: Any, world: World,
                                        fake_llm: FakeLLM) -> None:
    b_headers = auth_headers(world.b.designer)
    conv = (await api.post(f"{BASE}/conversations", headers=b_headers)).json()["id"]
    fake_llm.enqueue(proposal_reply(laptop()))
    proposal = (await api.post(f"{BASE}/conversations/{conv}/messages", json={"content": "x"},
                               headers=b_headers)).json()["proposal"]["id"]
    a_headers = auth_headers(world.a.designer)
    for method, path, body in (("GET", f"/conversations/{conv}", None), ("PATCH", f"/conversations/{conv}",
                               {"title": "t"}), ("DELETE", f"/conversations/{conv}", None),
                               ("POST", f"/conversations/{conv}/messages", {"content": "x"}),
                               ("POST", f"/conversations/{conv}/messages?stream=true", {"content": "x"}),
                               ("GET", f"/proposals/{proposal}", None),
                               ("POST", f"/proposals/{proposal}/accept", None),
                               ("POST", f"/proposals/{proposal}/discard", None)):
        resp = await api.request(method, BASE + path, json=body, headers=a_headers)
        assert resp.status_code == 404, (method, path, resp.text)
    assert (await api.get(f"{BASE}/conversations/{conv}", headers=b_headers)).status_code == 200
    requester = auth_headers(world.a.requester)
    assert (await api.post(f"{BASE}/conversations", headers=requester)).status_code == 403
    assert (await api.get(f"{BASE}/conversations", headers=requester)).status_code == 403
    assert (await api.get(f"{BASE}/conversations")).status_code == 401
    assert len(fake_llm.history) == 1


async def test_status_and_input_limits(api: httpx.AsyncClient, auth_headers: Any, world: World,
                                       fake_llm: FakeLLM) -> None:
    headers = auth_headers(world.a.designer)
    status = (await api.get(f"{BASE}/status", headers=headers)).json()
    assert status == {"configured": True, "model": "fake-model", "help": status["help"]}
    conv = (await api.post(f"{BASE}/conversations", headers=headers)).json()["id"]
    resp = await api.post(f"{BASE}/conversations/{conv}/messages", json={"content": "x" * 20_001}, headers=headers)
    assert resp.status_code == 422
    fake_llm.enqueue(text_reply("hello"))
    resp = await api.post(f"{BASE}/conversations/{conv}/messages", json={"content": "hi"}, headers=headers)
    assert resp.json()["text"] == "hello"

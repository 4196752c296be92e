"""Journey 8 in Chromium: a user of company B types company A's URLs and gets "not found", never A's data."""

from __future__ import annotations

import json
import re
from typing import Any

import psycopg
import pytest
from playwright.sync_api import expect

from tests.fixtures.bundles import example
from tests.fixtures.e2e_journeys import api_post, login_as, shot
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import create_tenant

pytestmark = pytest.mark.e2e

SECRET_TITLE = "Confidential laptop for the A board"
NOT_FOUND = re.compile(r"not found", re.IGNORECASE)


def _company_a(app_url: str, stack: Stack) -> dict[str, Any]:
    """Company A with the laptop bundle, a submitted ticket (its task) and an assistant proposal."""
    a = create_tenant(stack.database_url, "xa")
    api_post(app_url, stack, a.designer, "/definitions/bundles", example("laptop-request.json"))
    data = {"model": "pro-14", "price": 2999, "justification": SECRET_TITLE}
    created = api_post(app_url, stack, a.requester, "/tickets", {"ticket_type": "laptop", "data": data})
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conv = conn.execute("INSERT INTO assistant_conversations (company_id, user_id, title) VALUES (%s, %s, %s) "
                            "RETURNING id", (a.company_id, a.designer.id, SECRET_TITLE)).fetchone()
        assert conv is not None
        prop = conn.execute("INSERT INTO assistant_proposals (company_id, conversation_id, summary, bundle, "
                            "errors, warnings, placeholders) "
                            "VALUES (%s, %s, %s, %s, '[]', '[]', '[]') RETURNING id",
                            (a.company_id, conv[0], SECRET_TITLE, json.dumps(example("laptop-request.json")))
                            ).fetchone()
        assert prop is not None
    assert created["current_task"] is not None
    return {"tenant": a, "ticket": created["id"], "task": created["current_task"]["id"], "proposal": prop[0]}


def test_another_company_cannot_reach_anything_by_url(new_page: Any, app_url: str, stack: Stack) -> None:
    a = _company_a(app_url, stack)
    b = create_tenant(stack.database_url, "xb")
    _, page, frames = new_page()
    login_as(page, b.admin)  # B's admin holds every role: the strongest outsider

    pages = [
        ("ticket", f"/tickets/{a['ticket']}"),
        ("task", f"/tasks/{a['task']}"),
        ("workflow", "/definitions/workflows/laptop-request"),
        ("task-definition", "/definitions/tasks/laptop-request/approve"),
        ("ticket-type", "/definitions/ticket-types/laptop"),
        ("proposal", f"/assistant/proposals/{a['proposal']}/edit"),
    ]
    for name, path in pages:
        page.goto(path)
        expect(page.get_by_text(NOT_FOUND).first).to_be_visible()
        expect(page.locator("body")).not_to_contain_text(SECRET_TITLE)
        expect(page.locator("body")).not_to_contain_text("Laptop request")
        shot(page, f"cross-company-{name}")

    page.goto("/admin/users")  # the users page lists B's people only
    expect(page.locator("#users-table")).to_contain_text(b.admin.email)
    for member in a["tenant"].members.values():
        expect(page.locator("body")).not_to_contain_text(member.email)
    shot(page, "cross-company-users")

    api = [f"/api/v1/tickets/{a['ticket']}", f"/api/v1/tasks/{a['task']}",
           f"/api/v1/assistant/proposals/{a['proposal']}", "/api/v1/definitions/workflows/laptop-request"]
    for path in api:  # the same session cookie on the REST API: 404, not 403
        resp = page.request.get(path)
        assert resp.status == 404, (path, resp.status)
        assert SECRET_TITLE not in resp.text()

    everything = frames.text()
    assert SECRET_TITLE not in everything
    assert not any(m.email in everything for m in a["tenant"].members.values())

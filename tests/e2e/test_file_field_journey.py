"""In Chromium: a task form's file field offers the ticket's attachments by name and saves the chosen one's id."""

from __future__ import annotations

import re
from typing import Any

import httpx
import psycopg
import pytest
from playwright.sync_api import expect

from tests.fixtures.bundles import laptop_with_quote
from tests.fixtures.e2e_journeys import api_token, login_as, only_worker1_available
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import Member, create_tenant

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def _bearer(stack: Stack, member: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(stack, member)}"}


def test_a_worker_picks_the_quote_among_the_ticket_attachments(new_page: Any, app_url: str, stack: Stack) -> None:
    tenant = create_tenant(stack.database_url, "files")
    only_worker1_available(stack, tenant)
    with httpx.Client(base_url=app_url, timeout=30) as api:
        designer = _bearer(stack, tenant.designer)
        saved = api.post("/api/v1/definitions/bundles", json=laptop_with_quote(), headers=designer)
        assert saved.status_code == 201, saved.text
        req = _bearer(stack, tenant.requester)
        created = api.post("/api/v1/tickets", json={"ticket_type": "laptop", "data": {"model": "air-13", "price": 900}},
                           headers=req).json()
        upload = api.post(f"/api/v1/tickets/{created['id']}/attachments", headers=req,
                          files={"file": ("signed-quote.pdf", PDF, "application/pdf")})
        assert upload.status_code == 201, upload.text
    file_id, task_id = upload.json()["id"], created["current_task"]["id"]

    _, worker, _ = new_page()
    login_as(worker, tenant.worker1)
    worker.goto(f"/tasks/{task_id}")
    form = worker.locator("#task-form form")
    expect(form.get_by_text("Quote", exact=True)).to_be_visible()
    form.get_by_role("checkbox", name="Approved").click()
    form.get_by_role("combobox").click()
    worker.get_by_role("option", name=f"signed-quote.pdf (#{file_id})").click()
    form.get_by_role("button", name="Complete task").click()
    worker.wait_for_url(re.compile(r".*/tasks/?\?done=1$"))
    expect(worker.get_by_text("Task completed")).to_be_visible()
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        row = conn.execute("SELECT t_status, output_data FROM task_instances WHERE id = %s", (task_id,)).fetchone()
    assert row is not None and row[0] == "COMPLETED" and row[1]["quote"] == str(file_id)

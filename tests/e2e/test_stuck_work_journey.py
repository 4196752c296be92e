"""Stuck work in Chromium: a ticket held because no transition applies is moved on by a ticket admin."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fixtures.bundles import example
from tests.fixtures.e2e_journeys import api_post, api_token, login_as, only_worker1_available, shot
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import Member, create_tenant

pytestmark = pytest.mark.e2e

LAPTOP = {"model": "air-13", "price": 1200}


def _complete(app_url: str, stack: Stack, worker: Member, task_id: int, output: dict[str, Any]) -> Any:
    """Complete a form over REST as the worker (answers 200)."""
    req = urllib.request.Request(f"{app_url}/api/v1/tasks/{task_id}/complete", method="POST",
                                 data=json.dumps({"output": output}).encode(),
                                 headers={"Authorization": f"Bearer {api_token(stack, worker)}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        assert resp.status == 200
        return json.loads(resp.read())


def _held_ticket(app_url: str, stack: Stack, tenant: Any) -> int:
    """A laptop ticket whose rejection matches no transition (the fallback got a condition), so it holds."""
    bundle = example("laptop-request.json")
    bundle["workflow"]["transitions"][1]["condition"] = "ticket.price > 100000.0"
    api_post(app_url, stack, tenant.designer, "/definitions/bundles", bundle)
    created = api_post(app_url, stack, tenant.requester, "/tickets", {"ticket_type": "laptop", "data": LAPTOP})
    done = _complete(app_url, stack, tenant.worker1, created["current_task"]["id"], {"approved": False})
    assert done["workflow_status"] == "ON_HOLD"
    return int(created["id"])


def test_a_ticket_admin_moves_a_held_ticket_to_another_task(new_page: Any, app_url: str, stack: Stack) -> None:
    tenant = create_tenant(stack.database_url, "stuck")
    only_worker1_available(stack, tenant)
    ticket_id = _held_ticket(app_url, stack, tenant)

    _, admin, frames = new_page()
    login_as(admin, tenant.ticket_admin)
    admin.goto(f"/tickets/{ticket_id}")
    expect(admin.locator("#ticket-status")).to_contain_text("On hold")
    expect(admin.get_by_text("On hold: ")).to_be_visible()

    admin.locator("#move-ticket").click()
    dialog = admin.locator("#move-dialog")
    dialog.locator("#confirm-move").click()  # no task chosen: the service's error shows under the Task field
    expect(dialog.get_by_text("required")).to_be_visible()
    dialog.locator("#move-task").click()
    admin.get_by_role("option", name="Tell requester (rejected)").click()
    dialog.locator("textarea[name=reason]").fill("The manager's rejection must reach the requester")
    shot(admin, "ticket-move-dialog")
    dialog.locator("#confirm-move").click()

    expect(admin.get_by_text("The ticket is moved to Tell requester.")).to_be_visible()
    expect(admin.locator("#move-dialog")).to_have_count(0)
    expect(admin.locator("#ticket-status")).to_contain_text("In progress")
    expect(admin.locator("#current-task")).to_contain_text("Tell requester")
    expect(admin.locator("#current-task")).to_contain_text(tenant.worker1.email)
    expect(admin.locator(".timeline-item", has_text="Tell requester")).to_contain_text("Open")
    shot(admin, "ticket-moved")
    assert "fields_schema" not in frames.text()  # the browser gets rows to show, not the DTO's schemas

    _, requester, _ = new_page()
    login_as(requester, tenant.requester)
    requester.goto(f"/tickets/{ticket_id}")
    expect(requester.locator("#current-task")).to_contain_text("Tell requester")
    expect(requester.locator("#move-ticket")).to_have_count(0)

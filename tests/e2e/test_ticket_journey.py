"""Journey 2 in Chromium: submit a laptop ticket through its generated form, work it, follow it, steer it."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fixtures.bundles import example
from tests.fixtures.e2e_journeys import api_token, login_as, only_worker1_available, shot
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import Member, create_tenant

pytestmark = pytest.mark.e2e


def _install_laptop(app_url: str, stack: Stack, designer: Member) -> None:
    """Save the laptop bundle through the REST API with a personal token of the designer."""
    token = api_token(stack, designer)
    body = json.dumps(example("laptop-request.json")).encode()
    req = urllib.request.Request(f"{app_url}/api/v1/definitions/bundles", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        assert resp.status == 201


def _submit_laptop(page: Any) -> int:
    """Requester: a browser-blocked empty price, a server field error for a negative one, then a valid ticket."""
    page.goto("/tickets/new")
    expect(page.locator("#chosen-type")).to_have_text("New laptop")
    form = page.locator("#ticket-form form")
    form.get_by_role("combobox").first.click()
    page.get_by_role("option", name="pro-14").click()
    form.get_by_role("button", name="Submit ticket").click()
    price = form.locator("input[name=price]")
    assert price.evaluate("el => el.validity.valueMissing") is True
    price.fill("-5")
    form.get_by_role("button", name="Submit ticket").click()
    expect(form.get_by_text("less than the minimum of 0")).to_be_visible()
    expect(page.get_by_text("The ticket data is not valid")).to_be_visible()
    shot(page, "submit-ticket-error")
    price.fill("1299")
    form.locator("textarea[name=justification]").fill("My old one broke.")
    form.get_by_role("button", name="Submit ticket").click()
    page.wait_for_url(re.compile(r".*/tickets/\d+/?(\?.*)?$"))
    expect(page.get_by_text("Your ticket is submitted")).to_be_visible()
    expect(page.locator("#ticket-fields")).to_contain_text("pro-14")
    expect(page.locator("#current-task")).to_contain_text("Manager approval")
    shot(page, "ticket-submitted", publish=True)
    match = re.search(r"/tickets/(\d+)", page.url)
    assert match is not None
    return int(match.group(1))


def _work_task(page: Any, ticket_id: int) -> None:
    """Worker: the task is in My tasks with its ticket; the form completes it and the list is empty again."""
    page.goto("/tasks")
    row = page.locator("#tasks-table tbody tr", has_text="Manager approval")
    expect(row).to_contain_text("New laptop: pro-14")
    shot(page, "my-tasks", publish=True)
    row.get_by_role("link", name="Open").click()
    page.wait_for_url(re.compile(r".*/tasks/\d+/?$"))
    expect(page.locator("#task-input")).to_contain_text("1299")
    form = page.locator("#task-form form")
    form.get_by_role("checkbox", name="Approved").click()
    form.locator("textarea[name=comment]").fill("Approved, enjoy")
    shot(page, "task-form", publish=True)
    form.get_by_role("button", name="Complete task").click()
    page.wait_for_url(re.compile(r".*/tasks/?\?done=1$"))
    expect(page.get_by_text("Task completed")).to_be_visible()
    expect(page.locator("#tasks-table tbody tr", has_text=f"#{ticket_id}")).to_have_count(0)


def test_submit_work_follow_and_cancel_a_ticket(new_page: Any, app_url: str, stack: Stack) -> None:
    tenant = create_tenant(stack.database_url, "journey")
    _install_laptop(app_url, stack, tenant.designer)
    only_worker1_available(stack, tenant)

    _, requester, frames = new_page()
    login_as(requester, tenant.requester)
    ticket_id = _submit_laptop(requester)
    requester.goto("/tickets")
    expect(requester.locator("#tickets-table")).to_contain_text(f"#{ticket_id}")
    expect(requester.locator("#page-info")).to_contain_text("Page 1 of 1")
    shot(requester, "my-tickets", publish=True)

    _, worker, _ = new_page()
    login_as(worker, tenant.worker1)
    _work_task(worker, ticket_id)

    requester.goto("/tickets")
    requester.locator("#tickets-table").get_by_role("link", name="New laptop: pro-14").click()
    requester.wait_for_url(re.compile(rf".*/tickets/{ticket_id}/?$"))
    item = requester.locator(".timeline-item", has_text="Manager approval")
    expect(item).to_contain_text("Completed")
    expect(item).to_contain_text("Approved")
    expect(item).to_contain_text("Yes")
    expect(item).to_contain_text("Approved, enjoy")
    expect(requester.locator("#steering")).to_have_count(0)
    shot(requester, "ticket-timeline", publish=True)

    _, admin, _ = new_page()
    login_as(admin, tenant.ticket_admin)
    admin.goto("/admin/tickets")
    filters = admin.locator("#ticket-filters")
    filters.locator("input[name=search]").fill(f"#{ticket_id}")
    filters.locator("#filter-ticket_type").click()
    admin.get_by_role("option", name="New laptop").click()
    filters.get_by_role("button", name="Apply").click()
    rows = admin.locator("#tickets-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("New laptop: pro-14")
    shot(admin, "admin-tickets", publish=True)
    rows.first.get_by_role("link", name="New laptop: pro-14").click()
    admin.wait_for_url(re.compile(rf".*/tickets/{ticket_id}/?$"))
    admin.locator("#steering").get_by_role("button", name="Cancel ticket").click()
    admin.locator("#confirm-cancel").click()
    expect(admin.get_by_text("The ticket is cancelled.")).to_be_visible()
    expect(admin.locator("#ticket-status")).to_contain_text("Cancelled")
    admin.goto("/admin/tickets")
    admin.locator("#tab-archived").click()
    expect(admin.locator("#tickets-table")).to_contain_text(f"#{ticket_id}")

    assert "password_hash" not in frames.text()
    assert "fields_schema" not in frames.text()

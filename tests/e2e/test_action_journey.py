"""Journeys 4 and 5 in Chromium: a laptop ticket runs its SYNC and ASYNC actions against a local vendor; a ticket
admin filters tickets and reassigns a task to the other worker."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from playwright.sync_api import expect

from tests.fixtures.actions import aim
from tests.fixtures.bundles import example
from tests.fixtures.e2e_journeys import api_token, login_as, only_worker1_available, shot
from tests.fixtures.external_server import ExternalServer, Reply, Seen
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import Member, Tenant, create_tenant

pytestmark = pytest.mark.e2e
T = TypeVar("T")
WAIT = 90.0  # a bound on waiting for the app's worker, never an assertion on how long it took


@pytest.fixture
def vendor() -> Iterator[ExternalServer]:
    """The vendor's system: a real HTTP server on 127.0.0.1 recording what the app's worker sends it."""
    server = ExternalServer()
    try:
        yield server
    finally:
        server.close()


def _until(probe: Callable[[], T], what: str, within: float = WAIT) -> T:
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting for {what}; last value: {last!r}")


def _call(app_url: str, stack: Stack, member: Member, method: str, path: str, body: Any) -> Any:
    """One REST call as the member, with a personal API token inserted for it."""
    token = api_token(stack, member)
    req = urllib.request.Request(f"{app_url}/api/v1{path}", data=json.dumps(body).encode(), method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        assert resp.status in (200, 201)
        return json.loads(resp.read() or b"null")


def _install(app_url: str, stack: Stack, tenant: Tenant, vendor: ExternalServer) -> dict[str, str]:
    """The laptop example with both action_urls on the local vendor; task key -> the vendor's path."""
    bundle = example("laptop-request.json")
    paths = aim(bundle, vendor)
    _call(app_url, stack, tenant.designer, "POST", "/definitions/bundles", bundle)
    return paths


def _submit(page: Any, model: str) -> int:
    page.goto("/tickets/new")
    expect(page.locator("#chosen-type")).to_have_text("New laptop")
    form = page.locator("#ticket-form form")
    form.get_by_role("combobox").first.click()
    page.get_by_role("option", name=model).click()
    form.locator("input[name=price]").fill("1499")
    form.locator("textarea[name=justification]").fill("For the new hire.")
    form.get_by_role("button", name="Submit ticket").click()
    page.wait_for_url(re.compile(r".*/tickets/\d+/?(\?.*)?$"))
    expect(page.locator("#current-task")).to_contain_text("Manager approval")
    match = re.search(r"/tickets/(\d+)", page.url)
    assert match is not None
    return int(match.group(1))


def _approve(page: Any) -> None:
    page.goto("/tasks")
    row = page.locator("#tasks-table tbody tr", has_text="Manager approval")
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Open").click()
    page.wait_for_url(re.compile(r".*/tasks/\d+/?$"))
    form = page.locator("#task-form form")
    form.get_by_role("checkbox", name="Approved").click()
    form.locator("textarea[name=comment]").fill("Go ahead")
    form.get_by_role("button", name="Complete task").click()
    page.wait_for_url(re.compile(r".*/tasks/?\?done=1$"))
    expect(page.locator("#tasks-table tbody tr", has_text="Manager approval")).to_have_count(0)


def _post_callback(url: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        assert resp.status == 200
        return json.loads(resp.read())  # type: ignore[no-any-return]


def _shows_completed(page: Any, ticket_id: int) -> bool:
    page.goto(f"/tickets/{ticket_id}")
    status = page.locator("#ticket-status")
    status.wait_for()
    return "Completed" in status.inner_text()


def test_actions_hit_the_vendor_and_the_callback_completes_the_ticket(
        new_page: Any, app_url: str, stack: Stack, vendor: ExternalServer) -> None:
    tenant = create_tenant(stack.database_url, "actions")
    paths = _install(app_url, stack, tenant, vendor)
    vendor.respond(paths["order"], Reply(body={"id": "O-4711"}))
    vendor.respond(paths["delivery"], Reply(status=202, body={"queued": True}))
    only_worker1_available(stack, tenant)

    _, requester, frames = new_page()
    login_as(requester, tenant.requester)
    ticket_id = _submit(requester, "pro-14")
    _, worker, _ = new_page()
    login_as(worker, tenant.worker1)
    _approve(worker)

    orders: list[Seen] = _until(lambda: vendor.requests(paths["order"]), "the SYNC_ACTION request")
    order = orders[0]
    assert order.headers.get("webhook-signature", "").startswith("v1,")
    assert order.headers.get("webhook-id") and order.json == {"sku": "pro-14", "quantity": 1}
    delivery = _until(lambda: vendor.requests(paths["delivery"]), "the ASYNC_ACTION request")[0]
    assert delivery.json["order_id"] == "O-4711"
    callback_url = delivery.json["callback_url"]
    assert callback_url.startswith(f"{app_url}/api/v1/callbacks/")
    assert _post_callback(callback_url, {"delivered_at": "2026-02-03"}) == {"status": "accepted"}

    _until(lambda: _shows_completed(requester, ticket_id), "the ticket page to show Completed")
    approval = requester.locator(".timeline-item", has_text="Manager approval")
    expect(approval).to_contain_text("Completed")
    expect(approval).to_contain_text("Go ahead")  # a form's output: visible to the requester by default
    for title, output in (("Order from vendor", "O-4711"), ("Wait for delivery", "2026-02-03")):
        item = requester.locator(".timeline-item", has_text=title)
        expect(item).to_contain_text("Completed")
        expect(item).not_to_contain_text(output)  # an action's raw output is not (visible_to_requester: false)
    expect(requester.locator("#current-task")).to_have_count(0)
    shot(requester, "ticket-completed-with-actions")
    assert "password_hash" not in frames.text()


def test_ticket_admin_filters_tickets_and_reassigns_a_task(new_page: Any, app_url: str, stack: Stack,
                                                           vendor: ExternalServer) -> None:
    tenant = create_tenant(stack.database_url, "reassign")
    _install(app_url, stack, tenant, vendor)
    created = _call(app_url, stack, tenant.requester, "POST", "/tickets",
                    {"ticket_type": "laptop", "data": {"model": "air-13", "price": 999}})
    first_id = created["current_task"]["assignee_id"]
    first, other = ((tenant.worker1, tenant.worker2) if first_id == tenant.worker1.id
                    else (tenant.worker2, tenant.worker1))
    assert first.id == first_id

    _, admin, _ = new_page()
    login_as(admin, tenant.ticket_admin)
    admin.goto("/admin/tickets")
    filters = admin.locator("#ticket-filters")
    filters.locator("#filter-status").click()
    admin.get_by_role("option", name="On hold").click()
    filters.get_by_role("button", name="Apply").click()
    expect(admin.get_by_text("No tickets match")).to_be_visible()
    filters.locator("#filter-status").click()
    admin.get_by_role("option", name="In progress").click()
    filters.locator("#filter-assignee").click()
    admin.get_by_role("option", name=re.compile(re.escape(first.email))).click()
    filters.get_by_role("button", name="Apply").click()
    rows = admin.locator("#tickets-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"#{created['id']}")
    shot(admin, "admin-tickets-filtered")

    admin.goto("/admin/tasks")
    row = admin.locator("#tasks-table tbody tr", has_text="Manager approval")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(first.email)
    row.get_by_role("link", name="Manager approval").click()
    admin.wait_for_url(re.compile(r".*/tasks/\d+/?$"))
    steering = admin.locator("#reassign-form")
    steering.get_by_role("combobox").click()
    admin.get_by_role("option", name=re.compile(re.escape(other.email))).click()
    steering.get_by_role("button", name="Reassign").click()
    expect(admin.get_by_text("The task is reassigned.")).to_be_visible()
    shot(admin, "task-reassigned")

    _, worker, _ = new_page()
    login_as(worker, other)
    worker.goto("/tasks")
    mine = worker.locator("#tasks-table tbody tr", has_text="Manager approval")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("air-13")
    _, was, _ = new_page()
    login_as(was, first)
    was.goto("/tasks")
    expect(was.locator("#tasks-table tbody tr", has_text="Manager approval")).to_have_count(0)

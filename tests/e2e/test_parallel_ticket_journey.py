"""Parallel branches in Chromium: the ticket page lists every current task with its status and assignee, and
the requester's list names them (issue 21's current_tasks)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fixtures.e2e_journeys import api_token, login_as, only_worker1_available, shot
from tests.fixtures.flows import split_join
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import Member, create_tenant

pytestmark = pytest.mark.e2e


def _call(app_url: str, stack: Stack, member: Member, path: str, body: dict[str, Any] | None = None,
          status: int = 200) -> Any:
    """GET (or POST a body) over REST as the member; answers `status` (a refusal fails with its body)."""
    req = urllib.request.Request(f"{app_url}/api/v1{path}", method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {api_token(stack, member)}",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            assert resp.status == status
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{path}: {exc.code} {exc.read()[:2000]!r}") from exc


def test_a_split_ticket_shows_its_branches(new_page: Any, app_url: str, stack: Stack) -> None:
    tenant = create_tenant(stack.database_url, "parallel")
    only_worker1_available(stack, tenant)
    _call(app_url, stack, tenant.designer, "/definitions/bundles", split_join(), status=201)
    created = _call(app_url, stack, tenant.requester, "/tickets", {"ticket_type": "par", "data": {"n": 1}}, status=201)
    ticket_id = int(created["id"])
    _call(app_url, stack, tenant.worker1, f"/tasks/{created['current_task']['id']}/complete", {"output": {"ok": True}})

    _, requester, _ = new_page()
    login_as(requester, tenant.requester)
    requester.goto(f"/tickets/{ticket_id}")
    now = requester.locator("#current-task")
    expect(now.locator(".current-task-row")).to_have_count(3)
    for title in ("B0", "B1", "B2"):
        expect(now).to_contain_text(title)
    expect(now).to_contain_text(tenant.worker1.email)
    expect(now.get_by_role("link")).to_have_count(0)  # a requester gets no links to task pages
    shot(requester, "parallel-ticket")
    requester.goto("/tickets")
    expect(requester.get_by_text("B2 (open), B1 (open), B0 (open)")).to_be_visible()

    detail = _call(app_url, stack, tenant.worker1, f"/tickets/{ticket_id}")
    b0 = next(t for t in detail["current_tasks"] if t["key"] == "b0")
    _call(app_url, stack, tenant.worker1, f"/tasks/{b0['id']}/complete", {"output": {"ok": True}})
    _, worker, _ = new_page()
    login_as(worker, tenant.worker1)
    worker.goto(f"/tickets/{ticket_id}")
    rows = worker.locator("#current-task .current-task-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Meet")  # the join waits (newest first), nobody is assigned to it
    expect(rows.first).to_contain_text("automatic")
    expect(worker.locator("#current-task").get_by_role("link")).to_have_count(2)  # B1 and B2 are the worker's

"""In Chromium: a plain requester (system role `user` only) follows every link on every page they can reach, and
none answers a refusal, a redirect to login or the dashboard, or "not found" (no dead ends)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.fixtures.bundles import laptop
from tests.fixtures.e2e_journeys import api_token, login_as, shot
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import create_tenant

pytestmark = pytest.mark.e2e

# Every page a requester may open, and what shows once it has loaded for them. A link to any other page fails the
# journey: either the page is refused to requesters (hide the link by role) or it belongs in this list.
PAGES: list[tuple[re.Pattern[str], Callable[[Any], Any]]] = [
    (re.compile(r"/dashboard"), lambda p: p.locator("#welcome")),
    (re.compile(r"/tickets"), lambda p: p.locator("#tickets-table")),
    (re.compile(r"/tickets/new"), lambda p: p.locator("#ticket-types, #chosen-type")),
    (re.compile(r"/tickets/\d+"), lambda p: p.locator("#ticket-title")),
    (re.compile(r"/profile"), lambda p: p.get_by_role("heading", name="New token")),
]
DOWNLOAD = re.compile(r"/api/v1/files/\d+")
REFUSED = re.compile(r"not found|is for (workflow creators|company admins|Ticketflower staff)|not allowed|"
                     r"may not|log in to", re.IGNORECASE)


def _marker(path: str) -> Callable[[Any], Any] | None:
    return next((marker for pattern, marker in PAGES if pattern.fullmatch(path.rstrip("/") or "/")), None)


def _hrefs(page: Any) -> list[str]:
    links = page.locator("a[href]")
    return [str(links.nth(i).get_attribute("href")) for i in range(links.count())]


def _setup(app_url: str, stack: Stack, tenant: Any) -> int:
    """The laptop workflow, and a ticket of the requester's with a task assigned to a worker, a comment and a
    file: the timeline, comments and attachments all have something to link to."""
    with httpx.Client(base_url=app_url, timeout=30) as api:
        designer = {"Authorization": f"Bearer {api_token(stack, tenant.designer)}"}
        assert api.post("/api/v1/definitions/bundles", json=laptop(), headers=designer).status_code == 201
        requester = {"Authorization": f"Bearer {api_token(stack, tenant.requester)}"}
        created = api.post("/api/v1/tickets", json={"ticket_type": "laptop",
                                                    "data": {"model": "air-13", "price": 1200}}, headers=requester)
        assert created.status_code == 201, created.text
        ticket_id = int(created.json()["id"])
        assert api.post(f"/api/v1/tickets/{ticket_id}/comments", json={"body": "Any news?"},
                        headers=requester).status_code == 201
        attached = api.post(f"/api/v1/tickets/{ticket_id}/attachments", headers=requester,
                            files={"file": ("notes.txt", b"the old laptop's serial\n", "text/plain")})
        assert attached.status_code == 201, attached.text
        detail = api.get(f"/api/v1/tickets/{ticket_id}", headers=requester).json()
        assert detail["current_task"] is not None  # the timeline shows the task a worker holds
    return ticket_id


def test_a_requester_meets_no_link_they_may_not_follow(new_page: Any, app_url: str, stack: Stack) -> None:
    tenant = create_tenant(stack.database_url, "links")
    assert set(tenant.requester.system_roles) == {"user"}
    ticket_id = _setup(app_url, stack, tenant)
    _, page, _ = new_page()
    login_as(page, tenant.requester)

    todo = ["/dashboard", "/tickets", "/tickets/new", f"/tickets/{ticket_id}", "/profile"]
    seen: set[str] = set()
    opened: list[str] = []
    downloads: list[str] = []
    while todo:
        href = todo.pop(0)
        if href in seen:
            continue
        seen.add(href)
        if DOWNLOAD.fullmatch(urlsplit(href).path):
            answer = page.request.get(href)
            assert answer.status == 200, f"{href} answers {answer.status}"
            downloads.append(href)
            continue
        path = urlsplit(href).path
        marker = _marker(path)
        assert marker is not None, f"a requester is offered {href!r}, a page they may not open (or add it to PAGES)"
        page.goto(href)
        expect(marker(page)).to_be_visible()
        assert urlsplit(page.url).path.rstrip("/") == path.rstrip("/"), f"{href} went on to {page.url}"
        expect(page.get_by_text(REFUSED)).to_have_count(0)
        opened.append(path)
        for found in _hrefs(page):
            parts = urlsplit(found)
            assert not parts.scheme and not parts.netloc, f"{path} links outside the app: {found}"
            if found not in seen:
                todo.append(found)
    shot(page, "requester-links")
    assert {"/dashboard", "/tickets", "/tickets/new", f"/tickets/{ticket_id}", "/profile"} <= set(opened)
    assert len(downloads) == 1  # the ticket's attachment

"""In Chromium: a requester attaches a file in the submit form, edits the ticket, uploads a second version of the
file on the ticket page (both versions listed and downloadable), points the file field at it in the Edit dialog and
withdraws another ticket."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from playwright.sync_api import expect

from tests.fixtures.bundles import laptop
from tests.fixtures.e2e_journeys import api_token, login_as, shot
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import create_tenant

pytestmark = pytest.mark.e2e
QUOTE_V1 = b"%PDF-1.4\nthe first quote\n%%EOF\n"
QUOTE_V2 = b"%PDF-1.4\nthe corrected quote\n%%EOF\n"


def _laptop_with_quote_field() -> dict[str, Any]:
    """The laptop example whose ticket form takes the vendor's quote as a required file."""
    bundle = laptop()
    ttype = bundle["ticket_types"][0]
    ttype["fields"]["properties"]["quote"] = {"type": "string", "contentMediaType": "application/pdf",
                                              "title": "Vendor quote"}
    ttype["fields"]["required"].append("quote")
    ttype["edit_layout"]["sections"][0]["fields"].append("quote")
    ttype["edit_layout"]["widgets"]["quote"] = "file"
    return bundle


def _fill_laptop(page: Any, price: str) -> Any:
    page.goto("/tickets/new")
    expect(page.locator("#chosen-type")).to_have_text("New laptop")
    form = page.locator("#ticket-form form")
    form.get_by_role("combobox").first.click()
    page.get_by_role("option", name="pro-14").click()
    form.locator("input[name=price]").fill(price)
    return form


def _ticket_id(page: Any) -> int:
    page.wait_for_url(re.compile(r".*/tickets/\d+/?(\?.*)?$"))
    found = re.search(r"/tickets/(\d+)", page.url)
    assert found is not None
    return int(found.group(1))


def _download(page: Any, link: Any) -> bytes:
    """The bytes behind an attachment link, fetched with the page's session (the link opens a new tab)."""
    answer = page.request.get(link.get_attribute("href"))
    assert answer.status == 200 and "attachment" in answer.headers["content-disposition"]
    return bytes(answer.body())


def test_attach_edit_version_and_withdraw(new_page: Any, app_url: str, stack: Stack, tmp_path: Path) -> None:
    tenant = create_tenant(stack.database_url, "edits")
    with httpx.Client(base_url=app_url, timeout=30) as api:
        saved = api.post("/api/v1/definitions/bundles", json=_laptop_with_quote_field(),
                         headers={"Authorization": f"Bearer {api_token(stack, tenant.designer)}"})
        assert saved.status_code == 201, saved.text
    quote = tmp_path / "quote.pdf"
    quote.write_bytes(QUOTE_V1)

    _, page, _ = new_page()
    login_as(page, tenant.requester)

    # Without the required file the submission is refused, under the field; with it, the ticket carries it.
    form = _fill_laptop(page, "1299")
    expect(form.get_by_text("Vendor quote")).to_be_visible()
    form.get_by_role("button", name="Submit ticket").click()
    expect(form.get_by_text("'quote' is a required property")).to_be_visible()
    form.locator(".file-slot input[type=file]").set_input_files(str(quote))
    expect(form.get_by_text("quote.pdf")).to_be_visible()
    shot(page, "submit-ticket-with-file")
    form.get_by_role("button", name="Submit ticket").click()
    first = _ticket_id(page)
    expect(page.get_by_text("Your ticket is submitted")).to_be_visible()
    attachments = page.locator("#attachments")
    expect(attachments.get_by_text("quote.pdf")).to_have_count(1)

    # Edit a field: the change shows under the timeline.
    page.locator("#edit-ticket").click()
    dialog = page.locator("#edit-dialog")
    dialog.locator("input[name=price]").fill("1199")
    dialog.get_by_role("button", name="Save changes").click()
    expect(page.locator("#changes")).to_contain_text("price")
    expect(page.locator("#ticket-fields")).to_contain_text("1199")

    # The same file name again is version 2; both versions are listed and download their own bytes.
    quote.write_bytes(QUOTE_V2)
    page.locator("#attachment-upload input[type=file]").set_input_files(str(quote))
    page.locator("#upload-button").click()
    expect(attachments.locator(".attachment")).to_have_count(2)
    expect(attachments.locator(".file-version")).to_have_text(["v2", "v1"])
    shot(page, "ticket-file-versions")
    links = attachments.get_by_role("link", name="quote.pdf")
    assert _download(page, links.nth(0)) == QUOTE_V2
    assert _download(page, links.nth(1)) == QUOTE_V1

    # The Edit dialog's file field is a choice among the ticket's files (every version): the quote becomes v2.
    page.locator("#edit-ticket").click()
    dialog = page.locator("#edit-dialog")
    dialog.get_by_role("combobox").filter(has_text="quote.pdf v1").click()
    expect(page.get_by_role("option", name=re.compile(r"^quote\.pdf v\d \(#\d+\)$"))).to_have_count(2)
    page.get_by_role("option", name=re.compile(r"^quote\.pdf v2 ")).click()
    shot(page, "ticket-edit-file-field")
    dialog.get_by_role("button", name="Save changes").click()
    expect(page.locator("#edit-dialog")).to_have_count(0)
    expect(page.locator("#changes")).to_contain_text("quote")
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        chosen = conn.execute("SELECT t.ticket_data->>'quote' = f.id::text FROM ticket_instances t JOIN file_uploads f "
                             "ON f.ticket_instance_id = t.id AND f.version = 2 WHERE t.id = %s", (first,)).fetchone()
    assert chosen == (True,)

    # Another ticket is withdrawn with a reason.
    form = _fill_laptop(page, "900")
    form.locator(".file-slot input[type=file]").set_input_files(str(quote))
    form.get_by_role("button", name="Submit ticket").click()
    second = _ticket_id(page)
    assert second != first
    page.locator("#withdraw-ticket").click()
    page.get_by_placeholder("Why? (optional)").fill("Bought one myself.")
    page.locator("#confirm-withdraw").click()
    expect(page.locator("#ticket-status")).to_contain_text("Cancelled")
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT t.id, w.w_status, t.ticket_data->>'quote', (SELECT count(*) FROM file_uploads f "
            "WHERE f.ticket_instance_id = t.id) FROM ticket_instances t JOIN workflow_instances w "
            "ON w.id = t.workflow_instance_id WHERE t.id IN (%s, %s) ORDER BY t.id", (first, second)).fetchall()
    assert [(r[0], r[1], r[3]) for r in rows] == [(first, "IN_PROGRESS", 2), (second, "CANCELLED", 1)]
    assert all(r[2] is not None and r[2].isdigit() for r in rows)

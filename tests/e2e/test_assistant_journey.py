"""Assistant journey in Chromium against the scripted model: chat, proposal with diagram, fill, accept, submit."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from playwright.sync_api import expect

from tests.fixtures.e2e_journeys import login_as, shot
from tests.fixtures.fake_llm import FakeLLM, proposal_reply, text_reply
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import create_tenant

pytestmark = pytest.mark.e2e

ASK = "{{ASK: the URL of your ERP's vendor API}}"
ERP_URL = "https://erp.example.com/api/vendors"


def _bundle() -> dict[str, Any]:
    return {
        "format": "tfai.bundle/v1",
        "workflow": {
            "key": "vendor-onboarding", "title": "Vendor onboarding", "start": "review",
            "tasks": [
                {"key": "review", "title": "Review the vendor", "type": "FORM",
                 "input_transform": "{'name': ticket.name}",
                 "output_schema": {"type": "object", "required": ["approved"],
                                   "properties": {"approved": {"type": "boolean"},
                                                  "note": {"type": "string", "maxLength": 2000}}}},
                {"key": "register", "title": "Register in the ERP", "type": "SYNC_ACTION", "action_url": ASK,
                 "input_transform": "{'name': ticket.name}", "timeout_seconds": 10},
            ],
            "transitions": [
                {"from": "review", "to": "register", "condition": "output.approved", "priority": 10},
                {"from": "review", "to": None, "priority": 0},
                {"from": "register", "to": None, "priority": 0},
            ],
        },
        "ticket_types": [{
            "key": "vendor", "title": "New vendor", "description": "Onboard a supplier",
            "workflow": "vendor-onboarding",
            "fields": {"type": "object", "required": ["name"],
                       "properties": {"name": {"type": "string", "maxLength": 200},
                                      "country": {"type": "string", "enum": ["DE", "FR", "NL"]}}},
            "company_role_access": ["user"],
        }],
    }


def _saved_keys(stack: Stack, company_id: int) -> list[str]:
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        rows = conn.execute("SELECT key FROM ticket_definitions WHERE company_id = %s", (company_id,)).fetchall()
    return [str(r[0]) for r in rows]


def test_designer_chats_fills_a_placeholder_and_accepts(new_page: Any, app_url: str, stack: Stack,
                                                         e2e_llm: FakeLLM) -> None:
    tenant = create_tenant(stack.database_url, "assist")
    _, page, _ = new_page()
    login_as(page, tenant.designer)

    # A plain text answer first: streamed into a bubble, rendered as text (never as HTML).
    e2e_llm.enqueue(text_reply("Which countries do your vendors come from? <b>bold</b>"))
    page.goto("/assistant")
    composer = page.locator("#composer")
    composer.fill("We onboard vendors")
    composer.press("Enter")
    bubble = page.locator(".bubble-assistant").last
    expect(bubble).to_contain_text("Which countries do your vendors come from? <b>bold</b>")
    expect(page.locator(".bubble-user").last).to_contain_text("We onboard vendors")
    expect(page.locator("#conversations")).to_contain_text("We onboard vendors")

    # Then a proposal with a placeholder: shown with diagram, review list and form previews; nothing saved yet.
    e2e_llm.enqueue(proposal_reply(_bundle(), "Vendor onboarding: review, then register in the ERP.",
                                   text="Here is a draft."))
    composer.fill("Germany, France and the Netherlands.\nThe buyer reviews, then we register them in the ERP.")
    composer.press("Enter")
    proposal = page.locator("#proposal")
    expect(proposal.locator("#proposal-summary")).to_contain_text("Vendor onboarding: review")
    expect(proposal.locator("#workflow-diagram")).to_be_visible()
    expect(proposal.locator("#proposal-review")).to_contain_text("output.approved")
    expect(proposal.locator("#proposal-review")).to_contain_text(ASK)
    expect(proposal.locator("#proposal-forms")).to_contain_text("Ticket type: New vendor")
    expect(proposal.locator("#proposal-placeholders")).to_contain_text("the URL of your ERP's vendor API")
    expect(page.locator("#accept-proposal")).to_be_disabled()
    assert "vendor" not in _saved_keys(stack, tenant.company_id)
    assert "Germany, France" in e2e_llm.sent_text()
    shot(page, "assistant-proposal", publish=True)

    # Fill the placeholder, validate again, accept: saved like an upload, with links.
    proposal.locator(".placeholder-input input").first.fill(ERP_URL)
    page.locator("#fill-placeholders").click()
    expect(page.locator("#proposal-placeholders")).to_have_count(0)
    expect(proposal.locator("#proposal-review")).to_contain_text(ERP_URL)
    expect(page.locator("#accept-proposal")).to_be_enabled()
    page.locator("#accept-proposal").click()
    expect(page.locator("#proposal-saved")).to_contain_text("Saved vendor-onboarding v1")
    shot(page, "assistant-accepted", publish=True)
    expect(proposal.get_by_role("link", name="Ticket type vendor")).to_be_visible()
    assert "vendor" in _saved_keys(stack, tenant.company_id)

    # A requester of the company can now open the new ticket type.
    _, requester, _ = new_page()
    login_as(requester, tenant.requester)
    requester.goto("/tickets/new")
    # (the only ticket type of the company is opened at once; with several it is one of the cards)
    expect(requester.get_by_text("New vendor").first).to_be_visible()
    expect(requester.locator("input[name=name]")).to_be_visible()

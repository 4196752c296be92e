"""Journey 1 in Chromium: sign up a company, add its people, edit the profile, log out, log in again."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fixtures.e2e_journeys import login, shot

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-9"


def _signup(page: Any, company: str, email: str) -> None:
    page.goto("/signup")
    form = page.locator("#signup-form")
    form.locator("input[name=company_name]").fill(company)
    form.locator("input[name=first_name]").fill("Ada")
    form.locator("input[name=last_name]").fill("Admin")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=password_confirm]").fill(PASSWORD)
    shot(page, "signup", publish=True)
    form.get_by_role("button", name="Create company").click()
    page.wait_for_url(re.compile(r".*/dashboard/?$"))


def _create_user(page: Any, email: str, first: str, last: str, roles: list[str], password: str | None) -> None:
    form = page.locator("#create-user-form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=first_name]").fill(first)
    form.locator("input[name=last_name]").fill(last)
    form.locator("input[name=password]").fill(password or "")
    for role in roles:
        form.get_by_role("checkbox", name=role, exact=True).first.click()
    form.get_by_role("button", name="Add user").click()
    expect(page.locator("#users-table")).to_contain_text(email)


def test_signup_people_profile_logout_login(new_page: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    company = f"Acme {tag}"
    admin_email = f"ada.{tag}@example.com"
    context, page, frames = new_page()

    _signup(page, company, admin_email)
    expect(page.locator("#dash-company")).to_have_text(company)
    expect(page.get_by_role("link", name="Users and roles").first).to_be_visible()
    shot(page, "dashboard", publish=True)

    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["tfai_session"]["httpOnly"] is True
    assert cookies["tfai_session"]["sameSite"] == "Lax"
    assert "tfai_session" not in page.evaluate("document.cookie")

    page.get_by_role("link", name="Users and roles").first.click()
    page.wait_for_url(re.compile(r".*/admin/users/?$"))
    people = [(f"dora.{tag}@example.com", "Dora", "Designer", ["workflow_creator"]),
              (f"walt.{tag}@example.com", "Walt", "Worker", ["task_worker"]),
              (f"wanda.{tag}@example.com", "Wanda", "Worker", ["task_worker"]),
              (f"rita.{tag}@example.com", "Rita", "Requester", [])]
    link = ""
    for email, first, last, roles in people:
        _create_user(page, email, first, last, roles, None if first == "Wanda" else PASSWORD)
        if first == "Wanda":  # no initial password: the admin sees a one-time link, once
            link = page.locator("#set-password-link").inner_text()
    rows = page.locator("#users-table tbody tr")
    expect(rows).to_have_count(5)
    expect(page.locator("#users-table tbody tr", has_text="walt.").first).to_contain_text("task_worker")
    shot(page, "users", publish=True)
    assert "/set-password?token=" in link
    expect(page.locator("#set-password-link")).to_have_count(0)

    _, wanda, _ = new_page(width=390, height=800)
    wanda.goto(link)
    wanda.locator("input[name=password]").fill(PASSWORD)
    wanda.locator("input[name=password_confirm]").fill(PASSWORD)
    wanda.get_by_role("button", name="Set password").click()
    expect(wanda.get_by_text("Your password is set.")).to_be_visible()
    _, replay, _ = new_page()
    replay.goto(link)
    replay.locator("input[name=password]").fill(PASSWORD)
    replay.locator("input[name=password_confirm]").fill(PASSWORD)
    replay.get_by_role("button", name="Set password").click()
    expect(replay.get_by_text("The link is not valid or has expired")).to_be_visible()
    login(wanda, people[2][0], PASSWORD)
    expect(wanda.locator("#welcome")).to_contain_text("Wanda Worker")
    shot(wanda, "dashboard-phone")

    page.goto("/profile")
    names = page.locator("#names-form")
    expect(names.locator("input[name=first_name]")).to_have_value("Ada")
    names.locator("input[name=first_name]").fill("Adelaide")
    names.get_by_role("button", name="Save name").click()
    expect(page.get_by_text("Your name is saved.")).to_be_visible()
    expect(page.get_by_text("Adelaide Admin").first).to_be_visible()
    tokens = page.locator("#token-form")
    tokens.locator("input[name=name]").fill("ci")
    tokens.locator("input[name=password]").fill(PASSWORD)
    tokens.locator("input[name=expires_in_days]").fill("30")
    tokens.get_by_role("checkbox", name="tickets", exact=True).click()
    tokens.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).not_to_be_empty()
    shot(page, "profile")
    page.get_by_role("button", name="I have copied it").click()
    expect(page.locator("#new-token")).to_have_count(0)
    row = page.locator("#tokens-table tbody tr", has_text="ci")
    expect(row).to_contain_text("tickets")
    expect(row).to_contain_text(re.compile(r"20\d\d-\d\d-\d\d \d\d:\d\d UTC.*never"))
    page.get_by_role("row", name=re.compile("ci")).get_by_role("button", name="Revoke").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("No API tokens yet.")).to_be_visible()

    page.locator("#logout-link").click()
    page.wait_for_url(re.compile(r".*/login/?$"))
    assert "tfai_session" not in {c["name"] for c in context.cookies()}
    page.goto("/dashboard")
    page.wait_for_url(re.compile(r".*/login/?(\?.*)?$"))

    login(page, people[3][0], PASSWORD)
    expect(page.locator("#dash-company")).to_have_text(company)
    expect(page.locator("#welcome")).to_contain_text("Rita Requester")
    expect(page.get_by_role("link", name="My tickets").first).to_be_visible()
    expect(page.get_by_role("link", name="Users and roles")).to_have_count(0)
    shot(page, "dashboard-requester")
    page.goto("/admin/users")
    expect(page.get_by_text("Your roles do not allow")).to_be_visible()
    expect(page.locator("#users-table")).to_have_count(0)

    assert frames.received, "the browser received no state over the websocket"
    assert "argon2" not in frames.text()
    assert "argon2" not in page.content()

"""Staff journeys in Chromium: switch into a company read-only with a reason, banner, refused write, exit, audit; a
grant into a company that approves each one waits, is approved by its admin and is then entered."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from typing import Any

import psycopg
import pytest
from playwright.sync_api import expect

from tests.fixtures.e2e_journeys import login, shot
from tests.fixtures.stack import ROOT, Stack
from tests.fixtures.staff import totp_now
from tests.fixtures.tenants import PASSWORD, Member, create_tenant

pytestmark = pytest.mark.e2e

REASON = "Checking the refund workflow for ticket 42"


def _create_staff(email: str) -> str:
    """`tfai staff create` as an operator would run it on the server (password on standard input); the otpauth URI
    it prints once, as the staff member would add it to an authenticator app."""
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "tfai"), "staff", "create", email, "--name", "Sam Staff",
                             "--password-stdin"], input=PASSWORD + "\n", capture_output=True, text=True,
                            cwd=ROOT, env=dict(os.environ), timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    match = re.search(r"otpauth://\S+", result.stdout)
    assert match, result.stdout
    return match.group(0)


def _staff_login(page: Any, email: str, totp_uri: str) -> None:
    """Password first; the form then asks for the authenticator code (platform staff log in with two factors)."""
    page.goto("/login")
    form = page.locator("#login-form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()
    code_field = form.locator("input[name=second_factor]")
    expect(code_field).to_be_visible()
    code_field.fill(totp_now(totp_uri))
    form.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/(dashboard|staff)/?$"))


def _switch_read_only(page: Any, company: str) -> None:
    page.goto("/staff")
    page.locator("input[name=search]").fill(company)
    page.get_by_role("button", name="Search").click()
    row = page.locator("#companies-table tbody tr", has_text=company)
    expect(row).to_have_count(1)
    shot(page, "staff-console", publish=True)
    row.get_by_role("button", name="Switch").click()
    form = page.locator("#switch-form")
    form.get_by_role("button", name="Switch").click()  # no reason: the browser refuses the empty field
    assert page.locator("#switch-reason").evaluate("el => el.validity.valueMissing") is True
    page.locator("#switch-reason").fill("no")  # too short: the service's field error under the field
    form.get_by_role("button", name="Switch").click()
    expect(form.get_by_text("Give a reason of 3 to 500 characters")).to_be_visible()
    page.locator("#switch-reason").fill(REASON)
    expect(page.locator("#switch-minutes")).to_have_value("60")
    form.get_by_role("button", name="Switch").click()
    page.wait_for_url(re.compile(r".*/dashboard/?$"))


def test_staff_switches_read_only_sees_banner_cannot_write_and_exits(new_page: Any, app_url: str,
                                                                     stack: Stack) -> None:
    tenant = create_tenant(stack.database_url, "staffed")
    staff_email = f"sam.{uuid.uuid4().hex[:8]}@ticketflower.example"
    totp_uri = _create_staff(staff_email)

    _, page, _ = new_page()
    _staff_login(page, staff_email, totp_uri)
    _switch_read_only(page, tenant.name)

    banner = page.locator("#staff-banner")
    try:
        expect(banner).to_contain_text(f"Acting in {tenant.name} as Ticketflower staff · {REASON} · until ")
    finally:
        shot(page, "staff-after-switch")
    expect(banner).to_contain_text(re.compile(r"until \d\d:\d\d"))
    expect(banner.get_by_role("button", name="Exit")).to_be_visible()
    shot(page, "staff-banner", publish=True)

    # The company's users are visible; managing users and credentials is never offered to staff under a grant
    # (the service refuses it too: tests/services/staff).
    page.goto("/admin/users")
    expect(page.locator("#staff-banner")).to_be_visible()
    expect(page.locator("#users-table")).to_contain_text(tenant.requester.email)
    expect(page.locator("#create-user-form")).to_have_count(0)

    page.locator("#staff-exit").click()
    page.wait_for_url(re.compile(r".*/staff/?$"))
    expect(page.locator("#companies-table")).to_be_visible()
    expect(page.locator("#staff-banner")).to_have_count(0)

    _, admin, _ = new_page()
    _admin_sees_the_grant(admin, tenant.admin, staff_email)


def _admin_sees_the_grant(page: Any, admin: Member, staff_email: str) -> None:
    login(page, admin.email, admin.password)
    page.goto("/admin/staff-access")
    row = page.locator("#grants-table tbody tr", has_text=staff_email)
    expect(row).to_contain_text(REASON)
    expect(row).to_contain_text("read-only")
    expect(row).to_contain_text("ended")
    row.get_by_role("button", name=re.compile("actions")).click()
    activity = page.locator("#grant-activity")
    expect(activity).to_contain_text("staff_grant.started")
    expect(activity).to_contain_text("staff_grant.ended")
    shot(page, "staff-access", publish=True)
    page.goto("/admin/audit?entity=staff_grant")
    expect(page.locator("#audit-table")).to_contain_text(staff_email)


def test_staff_see_a_grant_wait_for_approval_then_enter_it(new_page: Any, app_url: str, stack: Stack) -> None:
    """A company that approves each grant: the request shows as waiting with no Enter, the company's admin approves
    it, Refresh shows it approved and Enter switches into the company."""
    tenant = create_tenant(stack.database_url, "approving")
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conn.execute("UPDATE companies SET staff_read_access = 'approval' WHERE id = %s", (tenant.company_id,))
    staff_email = f"sam.{uuid.uuid4().hex[:8]}@ticketflower.example"
    totp_uri = _create_staff(staff_email)

    _, page, _ = new_page()
    _staff_login(page, staff_email, totp_uri)
    page.goto("/staff")
    page.locator("input[name=search]").fill(tenant.name)
    page.get_by_role("button", name="Search").click()
    row = page.locator("#companies-table tbody tr", has_text=tenant.name)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Switch").click()
    page.locator("#switch-reason").fill(REASON)
    page.locator("#switch-form").get_by_role("button", name="Switch").click()
    expect(page.get_by_text("your request waits for one of its admins")).to_be_visible()
    mine = page.locator("#my-grants tbody tr", has_text=tenant.name)
    expect(mine).to_contain_text("waiting for approval")
    expect(mine.get_by_role("button", name="Enter")).to_have_count(0)
    shot(page, "staff-grant-waiting", publish=True)

    _, admin, _ = new_page()
    login(admin, tenant.admin.email, tenant.admin.password)
    admin.goto("/admin/staff-access")
    waiting = admin.locator("#pending-grants tbody tr", has_text=staff_email)
    expect(waiting).to_contain_text(REASON)
    waiting.get_by_role("button", name="Approve").click()
    expect(admin.locator("#pending-grants")).to_have_count(0)

    page.locator("#refresh-grants").click()
    expect(mine).to_contain_text("approved, live")
    mine.get_by_role("button", name="Enter").click()
    page.wait_for_url(re.compile(r".*/dashboard/?$"))
    expect(page.locator("#staff-banner")).to_contain_text(f"Acting in {tenant.name} as Ticketflower staff")

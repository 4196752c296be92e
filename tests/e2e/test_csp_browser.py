"""In Chromium, the production build runs under the Content-Security-Policy with zero violations."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-horse-battery-9"
RECORD = ("document.addEventListener('securitypolicyviolation', e => { (window.__csp = window.__csp || [])"
          ".push(e.violatedDirective + ' ' + e.blockedURI); });")


def _signup(base: str) -> str:
    email = f"csp-{uuid.uuid4().hex[:8]}@example.com"
    body = {"company_name": "CSP Co", "email": email, "password": PASSWORD, "first_name": "C", "last_name": "S"}
    req = urllib.request.Request(base + "/api/v1/signup", method="POST", data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - the local test app
        assert resp.status == 201
    return email


def _violations(page: Any) -> list[str]:
    page.wait_for_load_state("networkidle")
    return list(page.evaluate("window.__csp || []"))


def test_pages_run_under_the_csp_without_violations(new_page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    email = _signup(app_url)
    _context, page, _frames = new_page()
    page.add_init_script(RECORD)
    seen: dict[str, list[str]] = {}
    for path in ("/", "/signup", "/login"):
        response = page.goto(path)
        policy = (response.headers.get("content-security-policy") or "") if response is not None else ""
        assert "frame-ancestors 'none'" in policy and "'unsafe-eval'" not in policy
        seen[path] = _violations(page)
    form = page.locator("form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard**")
    expect(page.locator("#dash-company")).to_have_text("CSP Co")
    seen["/dashboard"] = _violations(page)
    assert seen == {path: [] for path in seen}

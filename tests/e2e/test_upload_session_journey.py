"""Reflex's /_upload in the browser: a designer's upload works; another session holding that tab's token gets 403."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fixtures.e2e_journeys import login_as
from tests.fixtures.stack import ROOT, Stack
from tests.fixtures.tenants import create_tenant

pytestmark = pytest.mark.e2e
LAPTOP = ROOT / "examples" / "laptop-request.json"


def test_an_upload_runs_only_for_the_tabs_own_session(new_page: Any, app_url: str, stack: Stack) -> None:
    tenant = create_tenant(stack.database_url, "uploads")
    _, page, frames = new_page()
    login_as(page, tenant.designer)
    page.goto("/definitions/upload")
    expect(page.locator("#bundle-status")).to_contain_text("Empty")
    with page.expect_response(lambda r: r.url.endswith("/_upload")) as upload:
        page.locator("input[type=file]").set_input_files(str(LAPTOP))
    assert upload.value.status == 200
    expect(page.locator("#bundle-status")).to_contain_text("Valid", timeout=30_000)

    # Someone else's browser, logged in as themselves, that has learnt the designer's tab token.
    tab_token = page.evaluate("window.sessionStorage.getItem('token')")
    _, other, _ = new_page()
    login_as(other, tenant.requester)
    handler = "reflex___state____state.tfai___ui___state___auth____auth_state.tfai___ui___state___definitions_base" \
              "____designer_state.tfai___ui___state___definitions_editor____definitions_editor_state.handle_upload"
    files = {"files": {"name": "x.json", "mimeType": "application/json", "buffer": b'{"format": "tfai.bundle/v1"}'}}
    stolen = other.request.post("/_upload", multipart=files, headers={
        "reflex-client-token": tab_token, "reflex-event-handler": handler, "Origin": app_url})
    _, stranger, _ = new_page()  # no session at all
    anonymous = stranger.request.post("/_upload", multipart=files, headers={
        "reflex-client-token": tab_token, "reflex-event-handler": handler, "Origin": app_url})
    assert stolen.status == 403 and "delta" not in stolen.text() and "laptop" not in stolen.text()
    assert anonymous.status == 401 and "delta" not in anonymous.text()
    expect(page.locator("#bundle-status")).to_contain_text("Valid")  # the designer's editor is untouched
    assert "x.json" not in frames.text()

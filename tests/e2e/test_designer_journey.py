"""Designer journey in Chromium: upload a bundle, see it saved, open its workflow and diagram, dry-run it."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fixtures.e2e_journeys import login, shot
from tests.fixtures.stack import ROOT
from tfai.ui.state.definitions_helpers import pointer_line

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-9"
LAPTOP = ROOT / "examples" / "laptop-request.json"


def _post(base: str, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - the local test app
        answer: dict[str, Any] = json.loads(resp.read() or b"{}")
        return answer


def _company(base: str) -> tuple[str, str]:
    """A new company (through the API): its designer's and a requester's emails."""
    tag = uuid.uuid4().hex[:8]
    admin = f"ada.{tag}@example.com"
    _post(base, "/api/v1/signup", {"company_name": f"Designers {tag}", "email": admin, "password": PASSWORD,
                                    "first_name": "Ada", "last_name": "Admin"})
    token = _post(base, "/api/v1/auth/tokens", {"email": admin, "password": PASSWORD, "name": "e2e"})["token"]
    designer, requester = f"dora.{tag}@example.com", f"rita.{tag}@example.com"
    _post(base, "/api/v1/users", {"email": designer, "first_name": "Dora", "last_name": "Designer",
                                  "password": PASSWORD, "system_roles": ["user", "workflow_creator"]}, token)
    _post(base, "/api/v1/users", {"email": requester, "first_name": "Rita", "last_name": "Requester",
                                  "password": PASSWORD, "system_roles": ["user"]}, token)
    return designer, requester


def _type_in_editor(page: Any, text: str) -> None:
    editor = page.locator("#bundle-editor .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def _editor_opens_at(page: Any, link_id: str, pointer: str, needle: str) -> None:
    """The definition page's Edit link opens the editor on the workflow's bundle with the cursor (the active line,
    scrolled into view) on the line where `pointer` starts in the exported JSON."""
    page.locator(f"#{link_id}").click()
    page.wait_for_url(re.compile(r".*/definitions/upload/?\?from=laptop-request&at=.*"))
    export = page.request.get("/api/v1/definitions/bundles/laptop-request?format=json")
    assert export.status == 200
    line = pointer_line(export.text(), pointer)
    assert line is not None and line > 1
    editor = page.locator("#bundle-editor")
    expect(editor.locator(".cm-content")).to_contain_text(needle)
    expect(editor.locator(".cm-lineNumbers .cm-activeLineGutter")).to_have_text(str(line))
    expect(editor.locator(".cm-activeLine")).to_be_in_viewport()
    expect(page.locator("#bundle-status")).to_contain_text("Valid", timeout=30_000)


def test_designer_uploads_views_and_dry_runs(new_page: Any, app_url: str) -> None:
    designer, requester = _company(app_url)
    _, page, _ = new_page()
    login(page, designer, PASSWORD, failure_shot="designer-login-failed")

    page.goto("/definitions/upload")
    _type_in_editor(page, '{"format": "tfai.bundle/v1", "workflow": {"key": "Bad Key", "title": "x"}}')
    expect(page.locator("#bundle-status")).to_contain_text("Invalid")
    expect(page.locator("#problems")).to_contain_text("/workflow")
    expect(page.locator(".problem-error").first).to_be_visible()
    expect(page.locator("#save-bundle")).to_be_disabled()
    shot(page, "definitions-upload-invalid")

    _type_in_editor(page, "")
    # The editor's change is debounced: let the cleared text land before the upload replaces it.
    expect(page.locator("#bundle-status")).to_contain_text("Empty")
    page.locator("input[type=file]").set_input_files(str(LAPTOP))
    expect(page.locator("#bundle-status")).to_contain_text("Valid", timeout=30_000)
    expect(page.locator("#save-bundle")).to_be_enabled()
    page.locator("#save-bundle").click()
    expect(page.locator("#saved-note")).to_have_text("Saved laptop-request v1 (ticket types: laptop v1)")
    shot(page, "definitions-upload-saved", publish=True)

    page.get_by_role("link", name="Workflow laptop-request").click()
    page.wait_for_url(re.compile(r".*/definitions/workflows/laptop-request/?$"))
    expect(page.locator("#wf-title")).to_have_text("Laptop request")
    diagram = page.locator("#workflow-diagram")
    expect(diagram).to_be_visible()
    assert diagram.get_attribute("src").startswith("data:image/svg+xml;base64,")
    page.wait_for_function("document.querySelector('#workflow-diagram').naturalWidth > 0")
    expect(page.locator("#wf-ticket-types")).to_contain_text("laptop")
    expect(page.locator("#wf-transitions")).to_contain_text("output.approved")
    shot(page, "definitions-workflow", publish=True)

    page.get_by_role("link", name="Try it").click()
    page.wait_for_url(re.compile(r".*/definitions/dry-run/?\?workflow=laptop-request$"))
    expect(page.locator("#ticket-data")).to_have_value(re.compile(r'"model": "air-13"'))
    expect(page.locator("#sample-approve")).to_have_value(re.compile(r'"approved": true'))
    page.locator("#run-dry-run").click()
    expect(page.locator("#dry-run-path")).to_contain_text("approve")
    expect(page.locator("#dry-run-path")).to_contain_text("order")
    expect(page.locator("#dry-run-outcome")).to_have_text("waiting")
    expect(page.locator("#dry-run-reason")).to_contain_text("order")
    expect(page.locator("#dry-run-result")).to_contain_text("true")
    shot(page, "definitions-dry-run", publish=True)

    page.goto("/definitions/workflows")
    expect(page.locator("#workflows-table")).to_contain_text("laptop-request")
    page.goto("/definitions/ticket-types/laptop")
    expect(page.locator("#tt-form-preview")).to_contain_text("Model")
    expect(page.locator("#tt-form-preview input[name=price]")).to_be_disabled()
    _editor_opens_at(page, "edit-ticket-type", "/ticket_types/laptop", '"key": "laptop"')
    page.goto("/definitions/tasks/laptop-request/approve")
    expect(page.locator("#task-form-preview")).to_contain_text("Decision")
    _editor_opens_at(page, "edit-task", "/workflow/tasks/approve", '"key": "approve"')
    shot(page, "definitions-edit-at-task")

    _, other, _ = new_page()
    login(other, requester, PASSWORD, failure_shot="designer-login-failed")
    other.goto("/definitions/workflows")
    other.wait_for_url(re.compile(r".*/dashboard/?$"))
    expect(other.get_by_text("The definitions workspace is for workflow creators and admins.")).to_be_visible()

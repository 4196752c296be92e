"""XSS corpus in Chromium: payloads in tickets, comments, layouts, definitions, users, roles and assistant stay text."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import psycopg
import pytest
from playwright.sync_api import expect

from tests.fixtures.e2e_journeys import api_token, login_as, shot
from tests.fixtures.fake_llm import FakeLLM, proposal_reply, text_reply
from tests.fixtures.stack import Stack
from tests.fixtures.tenants import Tenant, create_tenant

pytestmark = pytest.mark.e2e

# Classic payloads: each one sets window.__xss (or opens a dialog) if it is ever executed.
CORPUS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "<svg onload=window.__xss=3>",
    "javascript:window.__xss=4",
    '"><iframe srcdoc="<script>parent.__xss=5</script>">',
    "![x](javascript:window.__xss=6)",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "</textarea><script>window.__xss=8</script>",
    '<div style="background:url(javascript:window.__xss=9)">css</div>',
    "<a href=\"javascript:window.__xss=10\">click</a>",
    "'\"><body onload=window.__xss=11>",
    "<img src=x onerror=alert(12)>",
    "<details open ontoggle=window.__xss=13>",
    "[link](javascript:window.__xss=14)",
    "<math><mtext></p><script>window.__xss=15</script>",
]
SCRIPT, IMG, SVG, JS_URI, IFRAME, MD_IMG, TEMPLATE, TEXTAREA, CSS, ANCHOR, BODY, ALERT, DETAILS, MD_LINK, MATH = CORPUS

# Anything executable that carries a payload: handlers, javascript: links, srcdoc frames, injected scripts.
_INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = attr.value.toLowerCase();
      const handler = name.startsWith('on') && (value.includes('__xss') || value.includes('alert('));
      const link = ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(name);
      const bad = value.trim().startsWith('javascript:') || (name !== 'src' && value.trim().startsWith('data:'));
      if (handler || (link && bad)) found.push(el.outerHTML.slice(0, 200));
      if (name === 'srcdoc') found.push(el.outerHTML.slice(0, 200));
    }
    if (el.tagName === 'SCRIPT' && (el.textContent || '').includes('__xss')) found.push(el.outerHTML.slice(0, 200));
  }
  return found;
}"""


def _call(app_url: str, token: str, method: str, path: str, body: Any) -> Any:
    req = urllib.request.Request(f"{app_url}/api/v1{path}", data=json.dumps(body).encode(), method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - the local test app
        assert resp.status in (200, 201), resp.status
        return json.loads(resp.read() or b"null")


def _layout() -> dict[str, Any]:
    return {"sections": [{"title": SVG, "description": IFRAME, "fields": ["name", "note"]}],
            "widgets": {"note": "textarea"}, "labels": {"name": IMG},
            "help": {"name": SCRIPT, "note": TEXTAREA}, "placeholders": {"name": JS_URI, "note": TEXTAREA}}


def _bundle() -> dict[str, Any]:
    return {
        "format": "tfai.bundle/v1",
        "workflow": {
            "key": "xss-flow", "title": f"Flow {SCRIPT}", "description": DETAILS, "start": "review",
            "ext_ref": [{"label": f"Ref {IMG}", "desc": ANCHOR, "uri": "https://docs.example.com/ref"}],
            "tasks": [{"key": "review", "title": f"Review {SVG}", "description": CSS, "type": "FORM",
                       "input_transform": "{'name': ticket.name, 'note': ticket.note}",
                       "input_schema": {"type": "object", "properties": {"name": {"type": "string", "title": BODY},
                                                                         "note": {"type": "string"}}},
                       "output_schema": {"type": "object", "properties": {
                           "name": {"type": "string", "title": MATH, "maxLength": 200},
                           "note": {"type": "string", "title": ALERT, "maxLength": 2000}}},
                       "edit_layout": _layout()}],
            "transitions": [{"from": "review", "to": None, "priority": 0}],
        },
        "ticket_types": [{
            "key": "xss-type", "title": f"Type {IFRAME}", "description": MD_IMG, "workflow": "xss-flow",
            "fields": {"type": "object", "required": ["name"],
                       "properties": {"name": {"type": "string", "title": TEMPLATE, "maxLength": 200},
                                      "note": {"type": "string", "title": ANCHOR, "maxLength": 2000}}},
            "company_role_access": ["user"], "edit_layout": _layout(), "display_layout": _layout(),
        }],
    }


def _seed(app_url: str, stack: Stack, tenant: Tenant) -> tuple[int, int, int | None]:
    """Everything through the REST API: the bundle, tickets whose data are payloads, comments, a role, a user."""
    designer, requester, admin = (api_token(stack, m) for m in (tenant.designer, tenant.requester, tenant.admin))
    for uri in (JS_URI, "data:text/html,<script>parent.__xss=99</script>"):  # script URIs never get stored
        hostile = _bundle()
        hostile["workflow"]["ext_ref"][0]["uri"] = uri
        with pytest.raises(urllib.error.HTTPError) as refused:
            _call(app_url, designer, "POST", "/definitions/bundles", hostile)
        assert refused.value.code == 422
    _call(app_url, designer, "POST", "/definitions/bundles", _bundle())
    ticket_ids = [int(_call(app_url, requester, "POST", "/tickets",
                            {"ticket_type": "xss-type", "data": {"name": name, "note": note}})["id"])
                  for name, note in zip(CORPUS, reversed(CORPUS), strict=True)]
    for payload in CORPUS:
        _call(app_url, requester, "POST", f"/tickets/{ticket_ids[0]}/comments", {"body": payload})
    _call(app_url, admin, "POST", "/company-roles", {"role_name": "xss-role", "description": IMG})
    _call(app_url, admin, "POST", "/users", {"email": f"xss.{tenant.company_id}@example.com", "first_name": SCRIPT,
                                             "last_name": SVG, "password": "correct-horse-battery-9",
                                             "system_roles": ["user"], "company_roles": ["xss-role"]})
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        row = conn.execute("SELECT t.id, t.assigned_to FROM task_instances t JOIN ticket_instances k"
                           " ON k.workflow_instance_id = t.workflow_instance_id WHERE k.id = %s ORDER BY t.id LIMIT 1",
                           (ticket_ids[0],)).fetchone()
    assert row is not None
    return ticket_ids[0], int(row[0]), row[1]


class Watch:
    """A page with its dialogs recorded; `visit` opens a path, waits for a payload shown as text, checks inertness."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def visit(self, path: str, *literal: str) -> None:
        self.page.goto(path)
        for text in literal:
            expect(self.page.locator("body")).to_contain_text(text)
        self.inert(path)

    def inert(self, where: str) -> None:
        self.page.wait_for_timeout(300)  # let late effects (image errors, toggles) fire
        assert self.page.evaluate("() => window.__xss") is None, where
        assert self.page.evaluate("() => document.querySelectorAll('iframe').length") == 0, where
        assert self.page.evaluate(_INJECTED) == [], where
        assert self.dialogs == [], (where, self.dialogs)


def test_xss_corpus_renders_inert(new_page: Any, app_url: str, stack: Stack, e2e_llm: FakeLLM) -> None:
    tenant = create_tenant(stack.database_url, "xss")
    ticket_id, task_id, assignee = _seed(app_url, stack, tenant)

    _, page, _ = new_page()
    requester = Watch(page)
    login_as(page, tenant.requester)
    requester.visit(f"/tickets/{ticket_id}", SCRIPT, *CORPUS[1:6])  # data, title, comments
    requester.visit("/tickets", f"Type {IFRAME}: {SCRIPT}")
    requester.visit("/tickets/new", IMG, ANCHOR, SVG, SCRIPT)  # labels, field titles, section titles, help
    assert page.locator(f'input[placeholder="{JS_URI}"]').count() >= 1
    requester.visit("/dashboard")

    workers = [m for m in tenant.workers if m.id == assignee]
    assert len(workers) == 1, assignee  # the FORM task went to one of the company's workers
    worker = workers[0]
    _, page, _ = new_page()
    assigned = Watch(page)
    login_as(page, worker)
    assigned.visit("/tasks", f"Review {SVG}", f"Type {IFRAME}: {SCRIPT}")
    assigned.visit(f"/tasks/{task_id}", BODY, SVG, IMG, SCRIPT)  # input titles, the form's section, label, help
    assert page.locator(f'input[placeholder="{JS_URI}"]').count() >= 1

    _, page, _ = new_page()
    admin = Watch(page)
    login_as(page, tenant.admin)
    admin.visit("/admin/tickets", f"Type {IFRAME}: {SCRIPT}")
    admin.visit("/admin/tasks", f"Review {SVG}")
    admin.visit(f"/tasks/{task_id}", f"Review {SVG}", SCRIPT)
    admin.visit("/admin/users", SCRIPT, SVG)
    admin.visit("/admin/roles", IMG)
    admin.visit("/definitions/workflows/xss-flow", f"Flow {SCRIPT}", f"Ref {IMG}")
    assert page.get_by_role("link", name=f"Ref {IMG}").get_attribute("href") == "https://docs.example.com/ref"
    admin.visit("/definitions/ticket-types/xss-type", f"Type {IFRAME}", IMG, ANCHOR)
    admin.visit("/definitions/tasks/xss-flow/review", f"Review {SVG}")
    admin.visit("/dashboard")
    shot(page, "xss-admin-dashboard")

    _, page, _ = new_page()
    designer = Watch(page)
    login_as(page, tenant.designer)
    e2e_llm.enqueue(text_reply(f"Sure. {SCRIPT} {IMG} {MD_LINK} {ALERT}"))
    designer.visit("/assistant")
    composer = page.locator("#composer")
    composer.fill(f"Ask {SVG}")
    composer.press("Enter")
    expect(page.locator(".bubble-assistant").last).to_contain_text(f"Sure. {SCRIPT} {IMG} {MD_LINK} {ALERT}")
    expect(page.locator(".bubble-user").last).to_contain_text(f"Ask {SVG}")
    designer.inert("assistant text")
    proposal = _bundle()
    proposal["workflow"]["key"], proposal["ticket_types"][0]["key"] = "xss-flow-2", "xss-type-2"
    proposal["ticket_types"][0]["workflow"] = "xss-flow-2"
    e2e_llm.enqueue(proposal_reply(proposal, f"Summary {IFRAME} {DETAILS}", text=MD_IMG))
    composer.fill("Draft it")
    composer.press("Enter")
    expect(page.locator("#proposal-summary")).to_contain_text(f"Summary {IFRAME} {DETAILS}")
    expect(page.locator("#proposal-forms")).to_contain_text(IMG)
    designer.inert("assistant proposal")
    shot(page, "xss-assistant")
    designer.visit("/assistant", f"Ask {SVG}")


def test_the_checks_catch_an_executed_payload(browser: Any) -> None:
    """The inertness checks are not vacuous: the corpus set as raw markup fails them; a plain page passes."""
    context = browser.new_context()
    try:
        raw = Watch(context.new_page())
        raw.page.set_content(f"<body>{IMG}</body>")
        raw.page.wait_for_function("() => window.__xss === 2")
        with pytest.raises(AssertionError):
            raw.inert("raw markup")
        link = Watch(context.new_page())
        link.page.set_content(f"<body>{ANCHOR}<p>{SCRIPT}</p></body>")
        assert len(link.page.evaluate(_INJECTED)) == 2  # the javascript: link and the injected script
        dialog = Watch(context.new_page())
        dialog.page.set_content(f"<body>{ALERT}</body>")
        dialog.page.wait_for_timeout(500)
        assert dialog.dialogs == ["12"]
        plain = Watch(context.new_page())
        plain.page.set_content("<body><p>&lt;script&gt;window.__xss=1&lt;/script&gt;</p></body>")
        plain.inert("escaped text")
    finally:
        context.close()

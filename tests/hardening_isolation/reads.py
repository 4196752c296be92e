"""Everything an actor can read through the services, checked against what the owner says is theirs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import psycopg

from tfai.domain.errors import Forbidden
from tfai.domain.policy import Actor
from tfai.services.accounts import company_roles, users
from tfai.services.definitions import catalog
from tfai.services.staff import history
from tfai.services.tasks import work
from tfai.services.tickets import submission, tracking

Runner = Callable[[Coroutine[Any, Any, Any]], Any]
_ID_TABLES = ("ticket_instances", "task_instances", "users", "company_roles", "audit_log", "comments",
              "file_uploads")


def home_rows(owner: psycopg.Connection, company_id: int) -> dict[str, set[Any]]:
    """The ids (and definition keys with titles) that belong to the company, as the RLS-bypassing owner sees them."""
    out: dict[str, set[Any]] = {}
    for table in _ID_TABLES:
        out[table] = {r[0] for r in owner.execute(f"SELECT id FROM {table} WHERE company_id = %s", (company_id,))}
    out["workflows"] = {tuple(r) for r in owner.execute(
        "SELECT key, version, title FROM workflow_definitions WHERE company_id = %s", (company_id,))}
    out["ticket_types"] = {tuple(r) for r in owner.execute(
        "SELECT key, title FROM ticket_definitions WHERE company_id = %s", (company_id,))}
    return out


def _read(run: Runner, coro: Coroutine[Any, Any, Any]) -> Any:
    """The answer, or None when the actor's roles do not allow the read (Forbidden is not a leak)."""
    try:
        return run(coro)
    except Forbidden:
        return None


def _within(what: str, actor: Actor, seen: set[Any], home: set[Any]) -> None:
    leaked = seen - home
    assert not leaked, f"user {actor.real_user_id} in company {actor.company_id} read foreign {what}: {leaked}"


def check_reads(owner: psycopg.Connection, actor: Actor, run: Runner) -> None:
    """Every list and detail the actor may read contains only rows of the actor's company."""
    home = home_rows(owner, actor.company_id)
    ticket_ids: set[int] = set()
    for scope, state in (("mine", "active"), ("company", "active"), ("company", "archived")):
        page = _read(run, tracking.list_tickets(actor, scope=scope, state=state, page_size=100))
        ticket_ids |= {t.id for t in page.items} if page else set()
        page = _read(run, work.list_tasks(actor, scope=scope, state=state, page_size=100))
        if page:
            _within("tasks", actor, {t.id for t in page.items}, home["task_instances"])
            _within("tickets (via tasks)", actor, {t.ticket_id for t in page.items}, home["ticket_instances"])
    _within("tickets", actor, ticket_ids, home["ticket_instances"])
    for ticket_id in sorted(ticket_ids)[-2:]:
        detail = _read(run, tracking.get_ticket(actor, ticket_id))
        if detail:
            _within("comments", actor, {c.id for c in detail.comments}, home["comments"])
            _within("files", actor, {f.id for f in detail.attachments}, home["file_uploads"])
    page = _read(run, users.list_users(actor, page_size=100))
    if page:
        _within("users", actor, {u.id for u in page.items}, home["users"])
    roles = _read(run, company_roles.list_company_roles(actor))
    if roles is not None:
        _within("company roles", actor, {r.id for r in roles}, home["company_roles"])
    page = _read(run, catalog.list_workflows(actor, page_size=100))
    if page:
        _within("workflows", actor, {(w.key, w.version, w.title) for w in page.items}, home["workflows"])
    types = _read(run, submission.submittable_types(actor))
    if types is not None:
        _within("ticket types", actor, {(t.key, t.title) for t in types}, home["ticket_types"])
    page = _read(run, history.list_audit(actor, page_size=100))
    if page:
        _within("audit entries", actor, {e.id for e in page.items}, home["audit_log"])

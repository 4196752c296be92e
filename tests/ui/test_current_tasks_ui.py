"""The ticket page and the ticket lists show every current task (parallel branches, for-each items), each with
its status and assignee; a ticket with one task reads as before."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import psycopg

from tests.fixtures.bundles import install
from tests.fixtures.flows import active, complete, split_join
from tests.fixtures.tenants import World
from tfai.services.tickets import submission, tracking
from tfai.services.tickets.dto import TaskRefDTO, TicketSummaryDTO
from tfai.ui.state.ticket_detail import current_list
from tfai.ui.state.work_rows import ticket_row

T0 = datetime(2025, 3, 4, 14, 5, tzinfo=UTC)


def _ref(n: int, **kw: object) -> TaskRefDTO:
    return TaskRefDTO(**{"id": n, "key": f"b{n}", "title": f"Branch {n}", "type": "FORM", "status": "OPEN",
                         "assignee_id": 3, "assignee_email": f"w{n}@example.com", **kw})


def _summary(*refs: TaskRefDTO) -> TicketSummaryDTO:
    return TicketSummaryDTO(id=5, title="Buy", ticket_type="buy", ticket_type_title="Buy", status="active",
                            workflow_status="IN_PROGRESS", created_by=9, created_at=T0, updated_at=T0,
                            current_task=refs[0] if refs else None, current_tasks=list(refs))


def test_a_list_row_names_every_current_task_and_its_assignees() -> None:
    row = ticket_row(_summary(_ref(1), _ref(2, status="PENDING", assignee_email=None)))
    assert row["current_task"] == "Branch 1 (open), Branch 2 (pending)"
    assert row["assignee"] == "w1@example.com, unassigned"


def test_a_list_row_shows_three_tasks_then_how_many_more_and_each_assignee_once() -> None:
    row = ticket_row(_summary(*[_ref(n, assignee_email="w@example.com") for n in range(5)]))
    assert row["current_task"] == "Branch 0 (open), Branch 1 (open), Branch 2 (open) +2 more"
    assert row["assignee"] == "w@example.com"


def test_a_summary_with_only_current_task_reads_as_before() -> None:
    one = _summary(_ref(1)).model_copy(update={"current_tasks": []})
    assert ticket_row(one)["current_task"] == "Branch 1 (open)"
    assert ticket_row(_summary())["current_task"] == "—"


def test_the_detail_lists_every_current_task_with_status_and_assignee() -> None:
    detail = _summary(_ref(2), _ref(1, type="JOIN", status="PENDING", assignee_email=None))
    assert current_list(detail) == [
        {"title": "Branch 2", "status_text": "Open", "status_color": "blue", "assignee": "w2@example.com",
         "href": "/tasks/2"},
        {"title": "Branch 1", "status_text": "Pending", "status_color": "amber", "assignee": "automatic",
         "href": "/tasks/1"},
    ]
    assert current_list(_summary()) == []
    assert [c["title"] for c in current_list(_summary(_ref(4)).model_copy(update={"current_tasks": []}))] == \
        ["Branch 4"]


def test_the_ticket_page_renders_a_row_per_current_task() -> None:
    page = str(importlib.import_module("tfai.ui.pages.ticket_detail").ticket_detail().render())
    assert '"current-task"' in page and "current-task-row" in page


async def test_a_split_ticket_shows_its_branches_on_the_page_and_in_the_list(world: World,
                                                                            owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=split_join())
    created = await submission.submit_ticket(a.requester.actor, ticket_type="par", data={"n": 1})
    await complete(a, active(owner, created.id, "intake")[0])
    detail = await tracking.get_ticket(a.requester.actor, created.id)
    shown = current_list(detail)
    assert [c["title"] for c in shown] == ["B2", "B1", "B0"]  # newest first
    assert all(c["status_text"] == "Open" and c["assignee"].endswith("@example.com") for c in shown)
    rows = [ticket_row(t) for t in (await tracking.list_tickets(a.requester.actor, scope="mine")).items]
    assert rows[0]["current_task"] == "B2 (open), B1 (open), B0 (open)"
    await complete(a, active(owner, created.id, "b0")[0])
    after = current_list(await tracking.get_ticket(a.requester.actor, created.id))
    assert [(c["title"], c["status_text"], c["assignee"]) for c in after][0] == ("Meet", "Pending", "automatic")
    assert [c["title"] for c in after] == ["Meet", "B2", "B1"]
    other = await tracking.list_tickets(world.b.admin.actor, scope="company")
    assert created.id not in [t.id for t in other.items]  # another company sees none of it

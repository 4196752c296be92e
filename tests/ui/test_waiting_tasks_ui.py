"""Task pages offer the ways out of a form no worker could take: Complete for admins, Assign to me for workers."""

from __future__ import annotations

from datetime import UTC, datetime

from tfai.services.tickets.dto import TaskDetailDTO, TaskSummaryDTO
from tfai.ui.state.admin_tasks import admin_task_row
from tfai.ui.state.task_detail import can_complete, can_take
from tfai.ui.state.work_rows import waits_for_worker

T0 = datetime(2025, 3, 4, 14, 5, tzinfo=UTC)
ME = 4


def _task(**kw: object) -> TaskDetailDTO:
    return TaskDetailDTO(**{"id": 8, "key": "approve", "title": "Manager approval", "type": "FORM",
                            "status": "PENDING", "assignee_id": None, "ticket_id": 5, "ticket_title": "Laptop",
                            "ticket_type": "laptop", "created_at": T0, "workflow_status": "IN_PROGRESS", **kw})


def test_ticket_admins_and_admins_may_complete_a_waiting_form_others_may_not() -> None:
    assert can_complete(_task(), ME, True)
    assert not can_complete(_task(), ME, False)
    assert not can_complete(_task(type="SYNC_ACTION"), ME, True)
    assert not can_complete(_task(status="CANCELLED"), ME, True)


def test_assign_to_me_is_for_ticket_admins_who_are_workers_on_forms_not_theirs() -> None:
    assert can_take(_task(), ME, True, True)
    assert can_take(_task(status="OPEN", assignee_id=3), ME, True, True)
    assert not can_take(_task(), ME, True, False)  # not a worker: the users page makes someone one
    assert not can_take(_task(), ME, False, True)  # a worker alone does not steer
    assert not can_take(_task(status="OPEN", assignee_id=ME), ME, True, True)
    assert not can_take(_task(status="COMPLETED"), ME, True, True)
    assert not can_take(_task(type="ASYNC_ACTION"), ME, True, True)


def test_only_an_unassigned_pending_form_waits_for_a_worker() -> None:
    assert waits_for_worker(_task())
    assert not waits_for_worker(_task(status="OPEN", assignee_id=3))
    assert not waits_for_worker(_task(type="SYNC_ACTION"))  # an action waits for the worker process, not a person


def test_the_admin_list_marks_waiting_rows() -> None:
    summary = {"id": 8, "key": "approve", "title": "Manager approval", "type": "FORM", "ticket_id": 5,
               "ticket_title": "Laptop", "ticket_type": "laptop", "created_at": T0}
    assert admin_task_row(TaskSummaryDTO(**summary, status="PENDING"))["waiting"] == "1"
    row = admin_task_row(TaskSummaryDTO(**summary, status="OPEN", assignee_id=3, assignee_email="w@example.com"))
    assert row["waiting"] == "" and row["assignee"] == "w@example.com" and row["href"] == "/tasks/8"

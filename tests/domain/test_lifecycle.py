"""The lifecycle: every legal transition, illegal events refused with a clear message, derived sets, SQL literals."""

from __future__ import annotations

import pytest

from tfai.domain.errors import Conflict
from tfai.domain.lifecycle import (
    ACTIVE_TASK,
    ACTIVE_WORKFLOW,
    ARCHIVED_TASK,
    ARCHIVED_WORKFLOW,
    COUNTED_TASK,
    OPEN_TASK,
    REASSIGNABLE_TASK,
    TASK_TRANSITIONS,
    WORKFLOW_TRANSITIONS,
    IllegalTransition,
    TaskEvent,
    TaskStatus,
    WorkflowEvent,
    WorkflowStatus,
    next_task_status,
    next_workflow_status,
    sql_in,
    sql_value,
)

T, W = TaskStatus, WorkflowStatus

TASK_LEGAL = {
    (TaskEvent.CREATE, None): T.PENDING,
    (TaskEvent.ASSIGN, T.PENDING): T.OPEN, (TaskEvent.ASSIGN, T.OPEN): T.OPEN,
    (TaskEvent.ASSIGN, T.IN_PROGRESS): T.OPEN,
    (TaskEvent.UNASSIGN, T.OPEN): T.PENDING,
    (TaskEvent.START, T.OPEN): T.IN_PROGRESS,
    (TaskEvent.CLAIM, T.PENDING): T.IN_PROGRESS, (TaskEvent.CLAIM, T.IN_PROGRESS): T.IN_PROGRESS,
    (TaskEvent.COMPLETE, T.OPEN): T.COMPLETED, (TaskEvent.COMPLETE, T.IN_PROGRESS): T.COMPLETED,
    (TaskEvent.COMPLETE, T.PENDING): T.COMPLETED,
    (TaskEvent.FAIL, T.OPEN): T.ERROR, (TaskEvent.FAIL, T.IN_PROGRESS): T.ERROR, (TaskEvent.FAIL, T.PENDING): T.ERROR,
    (TaskEvent.RETRY, T.ERROR): T.PENDING,
    (TaskEvent.CANCEL, T.OPEN): T.CANCELLED, (TaskEvent.CANCEL, T.IN_PROGRESS): T.CANCELLED,
    (TaskEvent.CANCEL, T.PENDING): T.CANCELLED, (TaskEvent.CANCEL, T.ERROR): T.CANCELLED,
}
WORKFLOW_LEGAL = {
    (WorkflowEvent.START, None): W.IN_PROGRESS,
    (WorkflowEvent.HOLD, W.IN_PROGRESS): W.ON_HOLD,
    (WorkflowEvent.AUTO_HOLD, W.IN_PROGRESS): W.ON_HOLD, (WorkflowEvent.AUTO_HOLD, W.ON_HOLD): W.ON_HOLD,
    (WorkflowEvent.RESUME, W.ON_HOLD): W.IN_PROGRESS,
    (WorkflowEvent.COMPLETE, W.IN_PROGRESS): W.COMPLETED, (WorkflowEvent.COMPLETE, W.ON_HOLD): W.COMPLETED,
    (WorkflowEvent.CANCEL, W.IN_PROGRESS): W.CANCELLED, (WorkflowEvent.CANCEL, W.ON_HOLD): W.CANCELLED,
}


def test_the_tables_hold_exactly_the_legal_transitions() -> None:
    assert dict(TASK_TRANSITIONS) == TASK_LEGAL
    assert dict(WORKFLOW_TRANSITIONS) == WORKFLOW_LEGAL


@pytest.mark.parametrize(("event", "current"), list(TASK_LEGAL))
def test_every_legal_task_event(event: TaskEvent, current: TaskStatus | None) -> None:
    assert next_task_status(current, event) == TASK_LEGAL[(event, current)]


@pytest.mark.parametrize(("event", "current"), list(WORKFLOW_LEGAL))
def test_every_legal_workflow_event(event: WorkflowEvent, current: WorkflowStatus | None) -> None:
    assert next_workflow_status(current, event) == WORKFLOW_LEGAL[(event, current)]


def test_every_other_task_event_is_refused_as_a_conflict() -> None:
    refused = [(e, s) for e in TaskEvent for s in (None, *TaskStatus) if (e, s) not in TASK_LEGAL]
    assert len(refused) == len(TaskEvent) * (len(TaskStatus) + 1) - len(TASK_LEGAL)
    for event, current in refused:
        with pytest.raises(IllegalTransition) as info:
            next_task_status(current, event)
        assert isinstance(info.value, Conflict) and info.value.status == 409


def test_every_other_workflow_event_is_refused() -> None:
    for event in WorkflowEvent:
        for current in (None, *WorkflowStatus):
            if (event, current) not in WORKFLOW_LEGAL:
                with pytest.raises(IllegalTransition):
                    next_workflow_status(current, event)


def test_the_refusal_says_what_and_why() -> None:
    with pytest.raises(IllegalTransition, match="^Cannot start a task that is COMPLETED$"):
        next_task_status(T.COMPLETED, TaskEvent.START)
    with pytest.raises(IllegalTransition, match="^Cannot start a task that is PENDING$"):
        next_task_status(T.PENDING, TaskEvent.START)
    with pytest.raises(IllegalTransition, match="^Cannot hold a workflow that is ON_HOLD$"):
        next_workflow_status(W.ON_HOLD, WorkflowEvent.HOLD)
    with pytest.raises(IllegalTransition, match="^Cannot auto-hold a workflow that is CANCELLED$"):
        next_workflow_status(W.CANCELLED, WorkflowEvent.AUTO_HOLD)


def test_not_started_is_gone() -> None:
    assert "NOT_STARTED" not in WorkflowStatus.__members__
    assert [s.value for s in WorkflowStatus] == ["IN_PROGRESS", "COMPLETED", "CANCELLED", "ON_HOLD"]


def test_derived_sets_keep_todays_contents_and_order() -> None:
    assert ACTIVE_TASK == (T.OPEN, T.IN_PROGRESS, T.PENDING, T.ERROR)
    assert OPEN_TASK == (T.OPEN, T.IN_PROGRESS, T.PENDING)
    assert COUNTED_TASK == (T.OPEN, T.IN_PROGRESS)
    assert REASSIGNABLE_TASK == (T.PENDING, T.OPEN, T.IN_PROGRESS)
    assert ARCHIVED_TASK == (T.COMPLETED, T.CANCELLED)
    assert ACTIVE_WORKFLOW == (W.IN_PROGRESS, W.ON_HOLD)
    assert ARCHIVED_WORKFLOW == (W.COMPLETED, W.CANCELLED)
    assert set(ACTIVE_TASK) | set(ARCHIVED_TASK) == set(TaskStatus)
    assert set(COUNTED_TASK) <= set(OPEN_TASK) <= set(ACTIVE_TASK)


def test_the_partial_index_predicate_still_matches_the_active_set() -> None:
    # Migration 0011's ix_task_instances_assignee_active serves "my tasks" only while its predicate holds the same
    # statuses as the list's literal IN (the planner proves the implication; the order does not matter).
    from tfai.db.tables import metadata

    table = metadata.tables["task_instances"]
    [index] = [i for i in table.indexes if i.name == "ix_task_instances_assignee_active"]
    predicate = str(index.dialect_options["postgresql"]["where"])
    assert predicate.startswith("t_status IN (")
    assert set(predicate.split("IN ")[1].strip("()").split(", ")) == {sql_value(s) for s in ACTIVE_TASK}


def test_sql_literals() -> None:
    assert sql_in(COUNTED_TASK) == "('OPEN', 'IN_PROGRESS')"
    assert sql_in(ACTIVE_TASK) == "('OPEN', 'IN_PROGRESS', 'PENDING', 'ERROR')"
    assert sql_in(ACTIVE_WORKFLOW) == "('IN_PROGRESS', 'ON_HOLD')"
    assert sql_value(T.CANCELLED) == "'CANCELLED'"

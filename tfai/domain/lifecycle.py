"""Both state machines as data: task and workflow statuses, events, transition tables and derived status sets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from tfai.domain.errors import Conflict


class TaskStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    ERROR = "ERROR"


class WorkflowStatus(StrEnum):
    # NOT_STARTED was never entered (a workflow starts with its ticket, in one transaction) and is gone (0012).
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    ON_HOLD = "ON_HOLD"


class TaskEvent(StrEnum):
    CREATE = "create"  # the engine creates the task (PENDING); assign or enqueue follows in the same transaction
    ASSIGN = "assign"  # a worker gets a FORM task (automatic assignment or an admin's reassignment)
    UNASSIGN = "unassign"  # its worker went unavailable or was deactivated: the task waits for another
    START = "start"  # the assignee starts a FORM task
    CLAIM = "claim"  # an action worker takes an action task (again, after a dead worker's lease ran out)
    COMPLETE = "complete"
    FAIL = "fail"
    RETRY = "retry"  # an admin retries a failed task: it waits again (forms are then assigned)
    CANCEL = "cancel"  # the ticket was cancelled


class WorkflowEvent(StrEnum):
    START = "start"
    HOLD = "hold"  # an admin puts the ticket on hold
    AUTO_HOLD = "auto_hold"  # the engine holds: a task failed, no transition applies, a target is missing
    RESUME = "resume"
    COMPLETE = "complete"
    CANCEL = "cancel"


E = TypeVar("E", TaskEvent, WorkflowEvent)
S = TypeVar("S", TaskStatus, WorkflowStatus)
_T = TaskStatus
_W = WorkflowStatus

# (event, from status) -> to status; None as the from status is "does not exist yet". The order of the rows is the
# order of the derived sets below (and of their SQL literals).
TASK_TRANSITIONS: Mapping[tuple[TaskEvent, TaskStatus | None], TaskStatus] = {
    (TaskEvent.CREATE, None): _T.PENDING,
    (TaskEvent.ASSIGN, _T.PENDING): _T.OPEN,
    # Reassigning a started form hands it over unstarted: the new assignee starts it themselves.
    (TaskEvent.ASSIGN, _T.OPEN): _T.OPEN,
    (TaskEvent.ASSIGN, _T.IN_PROGRESS): _T.OPEN,
    # Only OPEN tasks move on when their worker leaves; IN_PROGRESS ones stay with them.
    (TaskEvent.UNASSIGN, _T.OPEN): _T.PENDING,
    (TaskEvent.START, _T.OPEN): _T.IN_PROGRESS,
    (TaskEvent.CLAIM, _T.PENDING): _T.IN_PROGRESS,
    (TaskEvent.CLAIM, _T.IN_PROGRESS): _T.IN_PROGRESS,
    # Completing an OPEN form directly stays allowed (clients that never start); an admin may complete an
    # unassigned PENDING form.
    (TaskEvent.COMPLETE, _T.OPEN): _T.COMPLETED,
    (TaskEvent.COMPLETE, _T.IN_PROGRESS): _T.COMPLETED,
    (TaskEvent.COMPLETE, _T.PENDING): _T.COMPLETED,
    (TaskEvent.FAIL, _T.OPEN): _T.ERROR,
    (TaskEvent.FAIL, _T.IN_PROGRESS): _T.ERROR,
    (TaskEvent.FAIL, _T.PENDING): _T.ERROR,
    (TaskEvent.RETRY, _T.ERROR): _T.PENDING,
    (TaskEvent.CANCEL, _T.OPEN): _T.CANCELLED,
    (TaskEvent.CANCEL, _T.IN_PROGRESS): _T.CANCELLED,
    (TaskEvent.CANCEL, _T.PENDING): _T.CANCELLED,
    (TaskEvent.CANCEL, _T.ERROR): _T.CANCELLED,
}

WORKFLOW_TRANSITIONS: Mapping[tuple[WorkflowEvent, WorkflowStatus | None], WorkflowStatus] = {
    (WorkflowEvent.START, None): _W.IN_PROGRESS,
    (WorkflowEvent.HOLD, _W.IN_PROGRESS): _W.ON_HOLD,
    (WorkflowEvent.AUTO_HOLD, _W.IN_PROGRESS): _W.ON_HOLD,
    (WorkflowEvent.AUTO_HOLD, _W.ON_HOLD): _W.ON_HOLD,  # a new reason replaces the old one
    (WorkflowEvent.RESUME, _W.ON_HOLD): _W.IN_PROGRESS,
    # An action may finish while its ticket is on hold; the engine then advances it.
    (WorkflowEvent.COMPLETE, _W.IN_PROGRESS): _W.COMPLETED,
    (WorkflowEvent.COMPLETE, _W.ON_HOLD): _W.COMPLETED,
    (WorkflowEvent.CANCEL, _W.IN_PROGRESS): _W.CANCELLED,
    (WorkflowEvent.CANCEL, _W.ON_HOLD): _W.CANCELLED,
}


class IllegalTransition(Conflict):
    """An event that the current status does not allow ("Cannot start a task that is COMPLETED")."""


def next_task_status(current: TaskStatus | None, event: TaskEvent) -> TaskStatus:
    """The status a task moves to on `event`; IllegalTransition when its status does not allow it."""
    to = TASK_TRANSITIONS.get((event, current))
    if to is None:
        raise IllegalTransition(f"Cannot {event.value} a task that is {current.value if current else 'new'}")
    return to


def next_workflow_status(current: WorkflowStatus | None, event: WorkflowEvent) -> WorkflowStatus:
    """The status a workflow moves to on `event`; IllegalTransition when its status does not allow it."""
    to = WORKFLOW_TRANSITIONS.get((event, current))
    if to is None:
        verb = event.value.replace("_", "-")
        raise IllegalTransition(f"Cannot {verb} a workflow that is {current.value if current else 'new'}")
    return to


def _sources(table: Mapping[tuple[E, S | None], S], *events: E) -> tuple[S, ...]:
    """The statuses (in table order) from which any of `events` is legal."""
    out: list[S] = []
    for (event, source), _ in table.items():
        if event in events and source is not None and source not in out:
            out.append(source)
    return tuple(out)


# Not finished: the current task of a ticket, "my tasks", what a cancel ends.
ACTIVE_TASK: tuple[TaskStatus, ...] = _sources(TASK_TRANSITIONS, TaskEvent.CANCEL)
# Work still to do: a task in these can complete (dashboards count them as open).
OPEN_TASK: tuple[TaskStatus, ...] = _sources(TASK_TRANSITIONS, TaskEvent.COMPLETE)
# Counted in users.open_tasks (the assignment load): a worker has it in hand (PENDING ones wait for a worker).
COUNTED_TASK: tuple[TaskStatus, ...] = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
# Can be given to another worker.
REASSIGNABLE_TASK: tuple[TaskStatus, ...] = _sources(TASK_TRANSITIONS, TaskEvent.ASSIGN)
ARCHIVED_TASK: tuple[TaskStatus, ...] = tuple(s for s in TaskStatus if s not in ACTIVE_TASK)
# Not finished: open tickets, what an admin can steer (cancel).
ACTIVE_WORKFLOW: tuple[WorkflowStatus, ...] = _sources(WORKFLOW_TRANSITIONS, WorkflowEvent.CANCEL)
ARCHIVED_WORKFLOW: tuple[WorkflowStatus, ...] = tuple(s for s in WorkflowStatus if s not in ACTIVE_WORKFLOW)


def sql_value(status: StrEnum) -> str:
    """One status as a SQL literal: 'OPEN'."""
    return f"'{status.value}'"


def sql_in(statuses: Iterable[StrEnum]) -> str:
    """A status set as a SQL literal list, in the set's order: ('OPEN', 'IN_PROGRESS')."""
    return "(" + ", ".join(sql_value(s) for s in statuses) + ")"

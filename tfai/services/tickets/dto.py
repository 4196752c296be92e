"""Plain answers of the tickets, tasks and files services (no table objects leave the services)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class TicketTypeDTO(BaseModel):
    """A ticket type the actor may submit (its newest version), with its form."""

    key: str
    version: int
    title: str
    description: str
    fields: dict[str, Any]
    edit_layout: dict[str, Any] | None = None
    display_layout: dict[str, Any] | None = None


class _TaskFields(BaseModel):
    """The fields every view of a task starts with (shared, never answered on its own)."""

    id: int
    key: str
    title: str
    type: str
    status: str
    assignee_id: int | None = None
    assignee_email: str | None = None


class TaskRefDTO(_TaskFields):
    """The current task of a ticket, in short."""


class TicketCreatedDTO(BaseModel):
    id: int
    status: str
    workflow_status: str
    current_task: TaskRefDTO | None = Field(default=None, description="The first of current_tasks")
    current_tasks: list[TaskRefDTO] = Field(
        default_factory=list, description="Every not-finished task (parallel branches, for-each items, a waiting "
        "join, a called workflow's tasks), newest first")
    replayed: bool = Field(default=False, description="True when an Idempotency-Key matched an earlier submission: "
                                                      "this is that ticket as it stands now")


class TicketSummaryDTO(BaseModel):
    id: int
    title: str
    ticket_type: str
    ticket_type_title: str
    status: str  # active | archived
    workflow_status: str
    created_by: int
    created_by_email: str | None = None
    created_at: datetime
    updated_at: datetime
    current_task: TaskRefDTO | None = Field(default=None, description="The first of current_tasks")
    current_tasks: list[TaskRefDTO] = Field(
        default_factory=list, description="Every not-finished task (parallel branches, for-each items, a waiting "
        "join, a called workflow's tasks), newest first")


class TimelineEventDTO(BaseModel):
    """Something that happened to a task as time passed: a reminder, a timer that fired, a timeout, overdue."""

    kind: str = Field(description="reminder | task_timer | due | timeout (the task was interrupted)")
    at: datetime
    text: str


class TimelineTaskDTO(_TaskFields):
    """One task of a ticket's history, with what it received and produced."""

    completed_by_email: str | None = None
    created_at: datetime
    due_at: datetime | None = None
    events: list[TimelineEventDTO] = Field(default_factory=list, description="Reminders, timers, timeouts; oldest "
                                           "first (for those who may see the task's details)")
    assigned_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    input: Any = None
    output: Any = None
    error: str | None = None
    output_schema: dict[str, Any] | None = None
    display_layout: dict[str, Any] | None = None


class CommentDTO(BaseModel):
    id: int
    ticket_id: int
    author_id: int
    author_email: str | None = None
    body: str
    created_at: datetime


class FileDTO(BaseModel):
    id: int
    ticket_id: int | None
    task_id: int | None = None
    filename: str
    content_type: str
    size: int
    uploaded_by: int
    created_at: datetime
    version: int = Field(default=1, description="1 for the first upload of a file name to the ticket, then 2, 3, ...")
    older_versions: list[FileDTO] = Field(
        default_factory=list, description="In a ticket's attachments: the earlier versions, newest first")


class FieldChangeDTO(BaseModel):
    """One field of a ticket changed after submission: who, when, from what to what (absent: null)."""

    field: str
    before: Any = None
    after: Any = None
    changed_by_email: str | None = None
    changed_at: datetime


class TicketDetailDTO(BaseModel):
    id: int
    title: str
    ticket_type: str
    ticket_type_title: str
    ticket_type_version: int
    workflow_key: str
    workflow_version: int
    fields: dict[str, Any]
    fields_schema: dict[str, Any]
    display_layout: dict[str, Any] | None = None
    status: str
    workflow_status: str
    hold_reason: str | None = None
    created_by: int
    created_by_email: str | None = None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    current_task: TaskRefDTO | None = Field(default=None, description="The first of current_tasks")
    current_tasks: list[TaskRefDTO] = Field(
        default_factory=list, description="Every not-finished task (parallel branches, for-each items, a waiting "
        "join, a called workflow's tasks), newest first")
    timeline: list[TimelineTaskDTO] = Field(default_factory=list)
    comments: list[CommentDTO] = Field(default_factory=list)
    attachments: list[FileDTO] = Field(default_factory=list, description="The newest version of each file name")
    edit_layout: dict[str, Any] | None = None
    changes: list[FieldChangeDTO] = Field(default_factory=list, description="Field edits, oldest first")
    can_edit: bool = Field(default=False, description="Whether the reader may change the fields now")
    can_withdraw: bool = Field(default=False, description="Whether the reader may withdraw it as its requester")
    workflow_fields: dict[str, Any] = Field(default_factory=dict, description=(
        "The workflow's fields (`workflow.<name>`) as they stand; for admins, ticket admins and assignees"))
    workflow_fields_schema: dict[str, Any] | None = Field(default=None, description=(
        "An object schema of the declared workflow fields, to render them with workflow_display_layout"))
    workflow_display_layout: dict[str, Any] | None = None
    move_choices: list[TaskChoiceDTO] = Field(default_factory=list, description=(
        "The workflow's tasks in definition order, for POST /tickets/{id}/move; for ticket admins and admins "
        "while the ticket is active"))


class TaskChoiceDTO(BaseModel):
    """A task of the ticket's workflow a ticket admin may move the ticket to."""

    key: str
    title: str


class MovedDTO(BaseModel):
    """A ticket moved to a task: the task created there, and how many unfinished tasks were cancelled."""

    ticket_id: int
    workflow_status: str
    task: TaskRefDTO
    cancelled: int


class TaskSummaryDTO(_TaskFields):
    ticket_id: int
    ticket_title: str
    ticket_type: str
    created_at: datetime
    assigned_at: datetime | None = None
    completed_at: datetime | None = None


class ActionAttemptDTO(BaseModel):
    attempt: int
    started_at: datetime
    finished_at: datetime | None = None
    status_code: int | None = None
    duration_ms: int | None = None
    error: str | None = None
    webhook_id: str | None = None  # the receiver's idempotency key, to find the request in its logs


class TaskDetailDTO(TaskSummaryDTO):
    """A task with its input, output, schemas and layouts, and the ticket it belongs to."""

    description: str = ""
    input: Any = None
    output: Any = None
    error: str | None = None
    attempts: int = 0
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    edit_layout: dict[str, Any] | None = None
    display_layout: dict[str, Any] | None = None
    started_at: datetime | None = None
    completed_by_email: str | None = None
    workflow_status: str
    hold_reason: str | None = None
    ticket_fields: dict[str, Any] = Field(default_factory=dict)
    ticket_files: list[FileDTO] = Field(default_factory=list, description=(
        "The ticket's attachments; an output field with the `file` widget takes one of their ids (as a string)"))
    action_attempts: list[ActionAttemptDTO] = Field(default_factory=list)


class TaskCompletedDTO(BaseModel):
    next_task_id: int | None
    workflow_status: str

"""Plain answers of the definitions service (no table objects leave the service)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ProblemDTO(BaseModel):
    """One validator finding at a JSON pointer."""

    path: str
    code: str
    message: str


class ValidationDTO(BaseModel):
    valid: bool
    errors: list[ProblemDTO] = Field(default_factory=list)
    warnings: list[ProblemDTO] = Field(default_factory=list)


class KeyVersionDTO(BaseModel):
    key: str
    version: int


class SavedBundleDTO(BaseModel):
    """What a save wrote: the workflow's version (None without a workflow) and each ticket type's."""

    workflow_key: str | None
    workflow_version: int | None
    ticket_types: list[KeyVersionDTO] = Field(default_factory=list)
    created: bool
    changed: bool
    warnings: list[ProblemDTO] = Field(default_factory=list)


class VersionDTO(BaseModel):
    version: int
    created_at: datetime
    created_by_email: str | None = None


class TicketTypeRefDTO(BaseModel):
    key: str
    version: int
    title: str


class WorkflowSummaryDTO(BaseModel):
    key: str
    title: str
    version: int
    updated_at: datetime
    updated_by_email: str | None = None
    task_count: int
    ticket_type_keys: list[str] = Field(default_factory=list)


class TaskDefDTO(BaseModel):
    """A task of one workflow version, as the bundle describes it."""

    key: str
    title: str
    description: str
    type: str
    position: int
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    input_transform: str | None = None
    output_transform: str | None = None
    action_url: str | None = None
    timeout_seconds: int | None = None
    edit_layout: dict[str, Any] | None = None
    display_layout: dict[str, Any] | None = None
    ext_ref: list[dict[str, Any]] = Field(default_factory=list)


class TransitionDTO(BaseModel):
    from_task: str
    to_task: str | None
    condition: str | None = None
    priority: int = 0
    position: int = 0


class WorkflowDetailDTO(BaseModel):
    key: str
    version: int
    newest_version: int
    title: str
    description: str
    start_task_key: str
    ext_ref: list[dict[str, Any]] = Field(default_factory=list)
    fields: list[dict[str, Any]] = Field(default_factory=list)
    display_layout: dict[str, Any] | None = None
    created_at: datetime
    created_by_email: str | None = None
    tasks: list[TaskDefDTO] = Field(default_factory=list)
    transitions: list[TransitionDTO] = Field(default_factory=list)
    versions: list[VersionDTO] = Field(default_factory=list)
    ticket_types: list[TicketTypeRefDTO] = Field(default_factory=list)
    bundle: dict[str, Any] = Field(default_factory=dict)


class TicketTypeSummaryDTO(BaseModel):
    key: str
    title: str
    version: int
    workflow_key: str
    updated_at: datetime
    updated_by_email: str | None = None


class TicketTypeDetailDTO(BaseModel):
    key: str
    version: int
    newest_version: int
    title: str
    description: str
    workflow_key: str
    workflow_title: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    company_role_access: list[str] = Field(default_factory=list)
    edit_layout: dict[str, Any] | None = None
    display_layout: dict[str, Any] | None = None
    ext_ref: list[dict[str, Any]] = Field(default_factory=list)
    editable_by: str = "requester"
    created_at: datetime
    created_by_email: str | None = None
    versions: list[VersionDTO] = Field(default_factory=list)
    section: dict[str, Any] = Field(default_factory=dict)


class TaskDefSummaryDTO(BaseModel):
    workflow_key: str
    workflow_version: int
    workflow_title: str
    key: str
    title: str
    type: str
    position: int


class TaskDefDetailDTO(TaskDefDTO):
    workflow_key: str
    workflow_version: int
    workflow_title: str
    incoming: list[TransitionDTO] = Field(default_factory=list)
    outgoing: list[TransitionDTO] = Field(default_factory=list)
    # The task's flow properties as the bundle states them (next, join, wait, until, timeout, remind, due,
    # for_each, complete_when, workflow, version, input), only those that are set.
    flow: dict[str, Any] = Field(default_factory=dict)


class DiffLineDTO(BaseModel):
    """One line of a unified diff: kind is header, hunk, context, add or remove."""

    kind: str
    text: str


class ConditionDTO(BaseModel):
    index: int
    to: str | None
    condition: str | None
    value: bool | None
    error: str | None = None


class DryRunStepDTO(BaseModel):
    task: str
    input: dict[str, Any] | None = None
    output: Any = None
    decision: str | None = None
    next_task: str | None = None
    reason: str | None = None
    conditions: list[ConditionDTO] = Field(default_factory=list)


class DryRunDTO(BaseModel):
    """The path a dry run took and where and why it stopped."""

    workflow_key: str
    outcome: str
    path: list[str]
    steps: list[DryRunStepDTO] = Field(default_factory=list)
    stopped_at: str | None = None
    reason: str | None = None
    workflow_data: dict[str, Any] = Field(default_factory=dict)
    timers_fired: list[dict[str, Any]] = Field(
        default_factory=list, description="Timers the dry run's clock steps fired, in order: {task, kind, at}.")

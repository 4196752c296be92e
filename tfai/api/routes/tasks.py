"""Tasks over REST: work lists, detail, starting and completing forms, reassigning and retrying."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from tfai.api.dates import ISO_HINT, IsoDateTime
from tfai.api.deps import CurrentActor
from tfai.api.dto_response import dto_json
from tfai.api.errors import ERROR_RESPONSES
from tfai.domain.limits import MAX_KEY, MAX_PAGE, MAX_PAGE_SIZE
from tfai.services.common.pagination import Page
from tfai.services.tasks import work
from tfai.services.tickets.dto import TaskCompletedDTO, TaskDetailDTO, TaskSummaryDTO

router = APIRouter(prefix="/tasks", tags=["tasks"])
TaskStatusName = Literal["OPEN", "IN_PROGRESS", "PENDING", "COMPLETED", "CANCELLED", "ERROR"]


class CompleteIn(BaseModel):
    output: dict[str, Any] = Field(description="Values matching the task's output schema")


class AssignIn(BaseModel):
    user_id: int = Field(ge=1)


@router.get("", response_model=Page[TaskSummaryDTO], responses=ERROR_RESPONSES)
async def list_(actor: CurrentActor, scope: Literal["mine", "company"] = "mine",
                state: Literal["active", "archived"] = "active", status: TaskStatusName | None = None,
                assignee_id: int | None = None,
                type: Annotated[str | None, Query(max_length=MAX_KEY)] = None,  # noqa: A002 - the query name
                created_from: Annotated[IsoDateTime | None, Query(
                    description="Created at or after (" + ISO_HINT + ")")] = None,
                created_to: Annotated[IsoDateTime | None, Query(
                    description="Created before (exclusive; " + ISO_HINT + ")")] = None,
                sort: Literal["created", "-created", "assigned", "-assigned", "completed", "-completed",
                              "status", "-status"] = "created",
                page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 25) -> Page[TaskSummaryDTO]:
    """My tasks (oldest first), or the company's (ticket admins and admins)."""
    return await work.list_tasks(actor, scope=scope, state=state, status=status, assignee_id=assignee_id,
                                  ticket_type=type, created_from=created_from, created_to=created_to, page=page,
                                  page_size=page_size, sort=sort)


@router.get("/{task_id}", response_model=TaskDetailDTO, responses=ERROR_RESPONSES)
async def detail(actor: CurrentActor, task_id: int) -> TaskDetailDTO:
    return await work.get_task(actor, task_id)


@router.post("/{task_id}/start", status_code=204, responses=ERROR_RESPONSES)
async def start(actor: CurrentActor, task_id: int) -> Response:
    """Start my OPEN FORM task (IN_PROGRESS, started_at set); optional: an OPEN task can be completed directly.
    409 when the task is not OPEN or its ticket is on hold."""
    await work.start_task(actor, task_id)
    return Response(status_code=204)


@router.post("/{task_id}/complete", response_model=TaskCompletedDTO, responses=ERROR_RESPONSES)
async def complete(actor: CurrentActor, task_id: int, body: CompleteIn) -> Response:
    """Complete a FORM task, OPEN or started; 409 when it was completed meanwhile, 422 lists the output's field
    errors."""
    return dto_json(await work.complete_form_task(actor, task_id, output=body.output))


@router.post("/{task_id}/assign", status_code=204, responses=ERROR_RESPONSES)
async def assign(actor: CurrentActor, task_id: int, body: AssignIn) -> Response:
    await work.reassign_task(actor, task_id, user_id=body.user_id)
    return Response(status_code=204)


@router.post("/{task_id}/retry", status_code=204, responses=ERROR_RESPONSES)
async def retry(actor: CurrentActor, task_id: int) -> Response:
    await work.retry_task(actor, task_id)
    return Response(status_code=204)

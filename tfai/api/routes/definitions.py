"""/definitions: validate, save, browse, diff, export and dry-run workflow and ticket definitions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from tfai.api.deps import CurrentActor
from tfai.api.errors import ERROR_RESPONSES
from tfai.domain.limits import MAX_CLOCK_STEPS, MAX_DURATION, MAX_KEY, MAX_PAGE, MAX_PAGE_SIZE, MAX_SEARCH, MAX_VERSION
from tfai.services.common.pagination import Page
from tfai.services.definitions import bundles, catalog
from tfai.services.definitions.dto import (
    DiffLineDTO,
    DryRunDTO,
    SavedBundleDTO,
    TaskDefDetailDTO,
    TaskDefSummaryDTO,
    TicketTypeDetailDTO,
    TicketTypeSummaryDTO,
    ValidationDTO,
    WorkflowDetailDTO,
    WorkflowSummaryDTO,
)

router = APIRouter(prefix="/definitions", tags=["definitions"])

Key = Annotated[str, Path(min_length=1, max_length=MAX_KEY)]
Search = Annotated[str, Query(max_length=MAX_SEARCH)]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Version = Annotated[int, Query(ge=1, le=MAX_VERSION)]

_BUNDLE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A tfai.bundle/v1 document as JSON or YAML (at most 1 MiB)",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
            "text/yaml": {"schema": {"type": "string"}},
        },
    }
}

# /validate reports on any document (a non-object is an error in the answer, not a refused request).
_ANY_DOCUMENT_BODY: dict[str, Any] = {"requestBody": {
    **_BUNDLE_BODY["requestBody"],
    "content": {media: {"schema": {}} for media in _BUNDLE_BODY["requestBody"]["content"]},
}}


class DryRunRequest(BaseModel):
    """A saved workflow (by key, newest or given version) or a raw bundle, with sample data."""

    model_config = ConfigDict(extra="forbid")

    workflow_key: str | None = Field(default=None, min_length=1, max_length=MAX_KEY)
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION)
    bundle: dict[str, Any] | None = None
    ticket: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(default_factory=dict)
    responses: dict[str, Any] = Field(default_factory=dict)
    workflow: dict[str, Any] = Field(default_factory=dict)
    clock: list[Annotated[str, Field(max_length=MAX_DURATION)]] = Field(
        default_factory=list, max_length=MAX_CLOCK_STEPS,
        description='ISO 8601 durations the dry run\'s clock moves on by, in turn (e.g. ["PT48H"]): timers fire')


@router.post("/validate", response_model=ValidationDTO, responses=ERROR_RESPONSES, openapi_extra=_ANY_DOCUMENT_BODY)
async def validate(request: Request, actor: CurrentActor) -> ValidationDTO:
    """Every error and warning of a bundle (JSON or YAML body); nothing is stored."""
    return await bundles.validate_bundle_text(actor, await request.body())


@router.post("/bundles", response_model=SavedBundleDTO, status_code=201, responses=ERROR_RESPONSES,
             openapi_extra=_BUNDLE_BODY)
async def save(request: Request, actor: CurrentActor) -> SavedBundleDTO:
    """Store a bundle: changed definitions get version n+1; 422 with the validator's errors in details."""
    return await bundles.save_bundle_text(actor, await request.body())


@router.get("/workflows", response_model=Page[WorkflowSummaryDTO], responses=ERROR_RESPONSES)
async def workflows(actor: CurrentActor, search: Search = "", page: PageNo = 1,
                    page_size: PageSize = 25) -> Page[WorkflowSummaryDTO]:
    """The newest version of each workflow, searchable by key or title."""
    return await catalog.list_workflows(actor, search=search, page=page, page_size=page_size)


@router.get("/workflows/{key}", response_model=WorkflowDetailDTO, responses=ERROR_RESPONSES)
async def workflow(key: Key, actor: CurrentActor, version: Version | None = None) -> WorkflowDetailDTO:
    """One workflow version (newest by default) with tasks, transitions, versions and ticket types."""
    return await catalog.get_workflow(actor, key, version)


@router.get("/workflows/{key}/diff", response_model=list[DiffLineDTO], responses=ERROR_RESPONSES)
async def diff(key: Key, actor: CurrentActor, v1: Version, v2: Version) -> list[DiffLineDTO]:
    """A unified line diff of two versions' workflow sections."""
    return await catalog.diff_versions(actor, key, v1, v2)


@router.get("/bundles/{workflow_key}", responses={**ERROR_RESPONSES, 200: {
    "description": "The bundle as a download",
    "content": {"application/json": {}, "application/yaml": {}}}})
async def export(workflow_key: Key, actor: CurrentActor,
                 format: Literal["json", "yaml"] = "json") -> Response:  # noqa: A002 - the query name
    """A workflow with its tasks and ticket types as a tfai.bundle/v1 download."""
    body = await bundles.export_bundle(actor, workflow_key, fmt=format)
    media = "application/json" if format == "json" else "application/yaml"
    filename = f"{workflow_key}.bundle.{format}"
    return Response(body, media_type=f"{media}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/ticket-types", response_model=Page[TicketTypeSummaryDTO], responses=ERROR_RESPONSES)
async def ticket_types(actor: CurrentActor, search: Search = "", page: PageNo = 1,
                       page_size: PageSize = 25) -> Page[TicketTypeSummaryDTO]:
    """The newest version of each ticket type."""
    return await catalog.list_ticket_types(actor, search=search, page=page, page_size=page_size)


@router.get("/ticket-types/{key}", response_model=TicketTypeDetailDTO, responses=ERROR_RESPONSES)
async def ticket_type(key: Key, actor: CurrentActor, version: Version | None = None) -> TicketTypeDetailDTO:
    """One ticket type version (newest by default)."""
    return await catalog.get_ticket_type(actor, key, version)


@router.get("/tasks", response_model=Page[TaskDefSummaryDTO], responses=ERROR_RESPONSES)
async def tasks(actor: CurrentActor, search: Search = "", page: PageNo = 1,
                page_size: PageSize = 25) -> Page[TaskDefSummaryDTO]:
    """The tasks of each workflow's newest version."""
    return await catalog.list_task_definitions(actor, search=search, page=page, page_size=page_size)


@router.get("/tasks/{workflow_key}/{task_key}", response_model=TaskDefDetailDTO, responses=ERROR_RESPONSES)
async def task(workflow_key: Key, task_key: Key, actor: CurrentActor) -> TaskDefDetailDTO:
    """One task of a workflow's newest version."""
    return await catalog.get_task_definition(actor, workflow_key, task_key)


@router.post("/dry-run", response_model=DryRunDTO, responses=ERROR_RESPONSES)
async def dry_run(body: DryRunRequest, actor: CurrentActor) -> DryRunDTO:
    """Walk a workflow with sample ticket data, form outputs and action responses; writes nothing."""
    return await bundles.dry_run(actor, workflow_key=body.workflow_key, bundle=body.bundle, version=body.version,
                              ticket=body.ticket, outputs=body.outputs, responses=body.responses,
                              workflow_data=body.workflow, clock=body.clock)

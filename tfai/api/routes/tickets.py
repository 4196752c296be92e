"""Tickets over REST: submittable types, submit, lists, detail, edits, comments, withdrawal and admin steering."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from tfai.api.dates import ISO_HINT, IsoDateTime
from tfai.api.deps import CurrentActor
from tfai.api.dto_response import dto_json
from tfai.api.errors import ERROR_RESPONSES
from tfai.domain import policy
from tfai.domain.errors import InvalidInput
from tfai.domain.limits import (
    MAX_COMMENT,
    MAX_FILES,
    MAX_IDEMPOTENCY_KEY,
    MAX_KEY,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MAX_REASON,
    MAX_SEARCH,
)
from tfai.domain.policy import Action
from tfai.services.common.pagination import Page
from tfai.services.tickets import editing, moving, submission, tracking
from tfai.services.tickets.attachments import NewFile
from tfai.services.tickets.dto import (
    CommentDTO,
    FieldChangeDTO,
    MovedDTO,
    TicketCreatedDTO,
    TicketDetailDTO,
    TicketSummaryDTO,
    TicketTypeDTO,
)
from tfai.settings import get_settings

router = APIRouter(tags=["tickets"])
WorkflowStatusName = Literal["IN_PROGRESS", "ON_HOLD", "COMPLETED", "CANCELLED"]


class TicketIn(BaseModel):
    ticket_type: str = Field(min_length=1, max_length=MAX_KEY, description="The ticket type's key")
    data: dict[str, Any] = Field(default_factory=dict, description="Values matching the type's fields schema")


class TicketEditIn(BaseModel):
    fields: dict[str, Any] = Field(description="The fields to change; those not sent keep their values")


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_COMMENT)


class ReasonIn(BaseModel):
    reason: str = Field(default="", max_length=MAX_REASON)


class HoldIn(BaseModel):
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class MoveIn(BaseModel):
    task: str = Field(min_length=1, max_length=MAX_KEY, description="The key of a task of the ticket's workflow")
    reason: str = Field(default="", max_length=MAX_REASON)


@router.get("/ticket-types", response_model=list[TicketTypeDTO], responses=ERROR_RESPONSES)
async def ticket_types(actor: CurrentActor) -> list[TicketTypeDTO]:
    """The ticket types I may submit (newest versions), with their forms."""
    return await submission.submittable_types(actor)


@router.post("/tickets", response_model=TicketCreatedDTO, status_code=201,
             responses={**ERROR_RESPONSES, 200: {"model": TicketCreatedDTO, "description": (
                 "A repeat of an earlier submission with the same Idempotency-Key: that ticket, as it stands now")}})
async def submit(actor: CurrentActor, body: TicketIn,
                 idempotency_key: Annotated[str | None, Header(
                     alias="Idempotency-Key", max_length=MAX_IDEMPOTENCY_KEY,
                     description="Any unique string (e.g. a UUID) per ticket: a retry with the same key and body "
                                 "answers 200 with the ticket already created instead of creating another; the "
                                 "same key with another body is 409")] = None) -> Response:
    """Submit a ticket; 422 lists every field that does not match the type's schema."""
    created = await submission.submit_ticket(actor, ticket_type=body.ticket_type, data=body.data,
                                          idempotency_key=idempotency_key)
    if created.replayed:
        return dto_json(created, headers={"Idempotent-Replayed": "true"})
    return dto_json(created, status_code=201)


@router.post("/tickets/with-files", response_model=TicketCreatedDTO, status_code=201, responses=ERROR_RESPONSES,
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["ticket_type"],
                 "properties": {"ticket_type": {"type": "string", "maxLength": MAX_KEY},
                                "data": {"type": "string", "description": "The fields but the files, a JSON object"}},
                 "additionalProperties": {"type": "string", "format": "binary",
                                          "description": "One file per `file` field, the part named as the field"},
             }}}}})
async def submit_with_files(actor: CurrentActor, request: Request) -> TicketCreatedDTO:
    """Submit a ticket with its files (multipart): each file part, named as its `file` field, becomes an attachment
    of the new ticket and the field's value its id, in one step (nothing is written when anything is refused)."""
    policy.require(actor, Action.TICKET_SUBMIT)  # before reading a body of up to the upload limit
    form = await request.form(max_files=MAX_FILES + 1, max_fields=2)
    try:
        ticket_type = form.get("ticket_type")
        raw = form.get("data") or "{}"
        data = json.loads(raw) if isinstance(raw, str) else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(ticket_type, str) or not 0 < len(ticket_type) <= MAX_KEY or not isinstance(data, dict):
        raise InvalidInput("Send ticket_type and data (a JSON object) as text parts",
                           details=[{"field": "data", "message": "a JSON object"}])
    limit = get_settings().max_upload_bytes
    files: dict[str, NewFile] = {}
    for name, part in form.multi_items():
        if isinstance(part, UploadFile):
            body = await part.read(limit + 1)  # one byte more than allowed is enough to refuse it
            files[name] = NewFile(filename=part.filename or "file", content_type=part.content_type or "", data=body)
    return await submission.submit_ticket_with_files(actor, ticket_type=ticket_type, data=data, files=files)


@router.get("/tickets", response_model=Page[TicketSummaryDTO], responses=ERROR_RESPONSES)
async def list_(actor: CurrentActor, request: Request, scope: Literal["mine", "company"] = "mine",
                state: Literal["active", "archived"] = "active",
                search: Annotated[str, Query(max_length=MAX_SEARCH)] = "",
                type: Annotated[str | None, Query(max_length=MAX_KEY)] = None,  # noqa: A002 - the query name
                status: Annotated[WorkflowStatusName | None, Query(
                    description="The workflow status")] = None,
                assignee_id: Annotated[int | None, Query(
                    ge=1, lt=2**63, description="The user assigned to the ticket's current task")] = None,
                created_from: Annotated[IsoDateTime | None, Query(
                    description="Submitted at or after (" + ISO_HINT + ")")] = None,
                created_to: Annotated[IsoDateTime | None, Query(
                    description="Submitted before (exclusive; " + ISO_HINT + ")")] = None,
                sort: Literal["created", "-created", "updated", "-updated", "title", "-title"] = "-created",
                page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 25) -> Page[TicketSummaryDTO]:
    """My tickets, or the company's (ticket admins and admins), one page at a time.

    Filter on custom fields with `field.<name>=<value>` (up to 5, all must match; exact value of a top-level
    field of the ticket's data, e.g. `?field.customer=C00042`; `field.count=3` also matches the number 3).
    `search` matches a substring of the title or of the ticket data's text, or the ticket number.
    `status` (workflow status), `assignee_id` (who holds the current task), `created_from` / `created_to`
    (the submission time range) filter the company's list further.
    """
    fields = {k[len("field."):]: v for k, v in request.query_params.multi_items() if k.startswith("field.")}
    return await tracking.list_tickets(actor, scope=scope, state=state, search=search, ticket_type=type,
                                      fields=fields or None, status=status, assignee_id=assignee_id,
                                      created_from=created_from, created_to=created_to, page=page,
                                      page_size=page_size, sort=sort)


@router.get("/tickets/{ticket_id}", response_model=TicketDetailDTO, responses=ERROR_RESPONSES)
async def detail(actor: CurrentActor, ticket_id: int) -> Response:
    """A ticket with its task timeline, comments and attachments."""
    return dto_json(await tracking.get_ticket(actor, ticket_id))


@router.patch("/tickets/{ticket_id}", response_model=list[FieldChangeDTO], responses=ERROR_RESPONSES)
async def edit(actor: CurrentActor, ticket_id: int, body: TicketEditIn) -> list[FieldChangeDTO]:
    """Change some fields of an active ticket; the merged fields must match the type's schema (422 per field).

    The requester may until a task of the ticket completes (409 after), ticket admins and admins while it is active,
    as the type's `editable_by` allows. Answers every field change of the ticket so far (empty: nothing changed).
    """
    return await editing.edit_ticket(actor, ticket_id, fields=body.fields)


@router.post("/tickets/{ticket_id}/comments", response_model=CommentDTO, status_code=201, responses=ERROR_RESPONSES)
async def comment(actor: CurrentActor, ticket_id: int, body: CommentIn) -> CommentDTO:
    return await tracking.add_comment(actor, ticket_id, body=body.body)


@router.post("/tickets/{ticket_id}/cancel", status_code=204, responses=ERROR_RESPONSES)
async def cancel(actor: CurrentActor, ticket_id: int, body: ReasonIn | None = None) -> Response:
    """Cancel the ticket and its unfinished tasks (ticket admins and admins), or withdraw it (its requester)."""
    await tracking.cancel_ticket(actor, ticket_id, reason=(body or ReasonIn()).reason)
    return Response(status_code=204)


@router.post("/tickets/{ticket_id}/hold", status_code=204, responses=ERROR_RESPONSES)
async def hold(actor: CurrentActor, ticket_id: int, body: HoldIn) -> Response:
    await tracking.hold_ticket(actor, ticket_id, reason=body.reason)
    return Response(status_code=204)


@router.post("/tickets/{ticket_id}/resume", status_code=204, responses=ERROR_RESPONSES)
async def resume(actor: CurrentActor, ticket_id: int) -> Response:
    await tracking.resume_ticket(actor, ticket_id)
    return Response(status_code=204)


@router.post("/tickets/{ticket_id}/move", response_model=MovedDTO, responses=ERROR_RESPONSES)
async def move(actor: CurrentActor, ticket_id: int, body: MoveIn) -> MovedDTO:
    """Move an active ticket, held or not, to a task of its workflow (ticket admins and admins): its unfinished
    tasks are cancelled, a hold ends, and that task starts (input computed, assigned). 422 for a task the workflow
    does not have, 409 for a completed or cancelled ticket."""
    return await moving.move_ticket(actor, ticket_id, task=body.task, reason=body.reason)

"""Submitting tickets: the types a user may submit, defaults, idempotent submission, files chosen in the form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import FileUpload, TaskType, TicketDefinition
from tfai.domain import policy
from tfai.domain.errors import Forbidden, InvalidInput, NotFound
from tfai.domain.limits import MAX_FILES
from tfai.domain.policy import Action, Actor
from tfai.observability import metrics
from tfai.services.common import concurrency, ratelimit, tenant_code
from tfai.services.common.tx import actor_tx
from tfai.services.definitions._cache import newest_ticket_type
from tfai.services.tickets import _form_files, _idempotency, attachments
from tfai.services.tickets._queries import current_tasks, people_status
from tfai.services.tickets.attachments import NewFile
from tfai.services.tickets.dto import TaskRefDTO, TicketCreatedDTO, TicketTypeDTO
from tfai.services.workflow import _start


def with_defaults(schema: dict[str, Any] | None, data: Any) -> Any:
    """Fill missing top-level fields that declare a default in the schema (like a form would)."""
    if not isinstance(data, dict) or not isinstance(schema, dict):
        return data
    props = schema.get("properties") or {}
    defaults = {k: p["default"] for k, p in props.items() if isinstance(p, dict) and "default" in p and k not in data}
    return {**data, **defaults} if defaults else data


def _type_dto(row: TicketDefinition) -> TicketTypeDTO:
    return TicketTypeDTO(key=row.key, version=row.version, title=row.title, description=row.description,
                         fields=row.fields or {}, edit_layout=row.edit_layout, display_layout=row.display_layout)


async def submittable_types(actor: Actor) -> list[TicketTypeDTO]:
    """The newest version of every ticket type the actor's company roles may submit."""
    policy.require(actor, Action.TICKET_SUBMIT)
    async with actor_tx(actor) as session:
        newest = (select(col(TicketDefinition.key), func.max(col(TicketDefinition.version)).label("v"))
                  .group_by(col(TicketDefinition.key)).subquery())
        stmt = (select(TicketDefinition).join(newest, (col(TicketDefinition.key) == newest.c.key)
                                              & (col(TicketDefinition.version) == newest.c.v))
                .order_by(col(TicketDefinition.title), col(TicketDefinition.key)))
        rows = (await session.execute(stmt)).scalars().all()
        return [_type_dto(r) for r in rows if policy.can_submit(actor, list(r.company_role_access or []))]


async def submit_ticket(actor: Actor, *, ticket_type: str, data: dict[str, Any],
                        idempotency_key: str | None = None) -> TicketCreatedDTO:
    """Validate and submit a ticket: ticket, workflow and start task in one transaction.

    With an idempotency key, a repeat of the same request (same type and data) answers with the ticket the first
    one created, even when both run at once; the key used for another request is a Conflict.
    """
    policy.require(actor, Action.TICKET_SUBMIT)
    key = _idempotency.check_key(idempotency_key)
    await ratelimit.enforce_for(ratelimit.TICKET_SUBMIT, actor)  # here, so REST, the UI and any other caller count
    async with concurrency.company_slot(actor.company_id):  # the submission runs the company's CEL and schemas
        try:
            return await _submit(actor, ticket_type, data, key)
        except IntegrityError as exc:
            if key is None or not _idempotency.is_key_clash(exc):
                raise
        return await _submit(actor, ticket_type, data, key)  # the concurrent twin committed: this finds its ticket


async def submit_ticket_with_files(actor: Actor, *, ticket_type: str, data: dict[str, Any],
                                   files: Mapping[str, NewFile]) -> TicketCreatedDTO:
    """Submit a ticket with the files chosen in its form, by `file` field: one transaction stores the files as the
    ticket's attachments and sets each field to its attachment's id before the data is checked, so a required file
    field is satisfied and a refusal (a file too large or of a refused type, a bad field) leaves nothing written.
    """
    policy.require(actor, Action.TICKET_SUBMIT)
    policy.require(actor, Action.TICKET_COMMENT)  # what attaching a file to a ticket asks for
    if len(files) > MAX_FILES:
        raise InvalidInput(f"At most {MAX_FILES} files per ticket submission",
                           details=[{"field": "files", "message": f"at most {MAX_FILES} files"}])
    checked = {field: attachments.checked_file(f, field=field) for field, f in files.items()}
    await ratelimit.enforce_for(ratelimit.TICKET_SUBMIT, actor)
    async with concurrency.company_slot(actor.company_id):
        return await _submit(actor, ticket_type, data, None, checked)


async def _with_files(session: AsyncSession, actor: Actor, ttype: TicketDefinition, data: dict[str, Any],
                      files: Mapping[str, NewFile]) -> tuple[dict[str, Any], list[tuple[FileUpload, NewFile]]]:
    """The data with each `file` field set to the id of its staged file, and those rows. A file field's value can
    only come from a file chosen with the submission (a new ticket has no attachments to name); a file for a field
    that is not a `file` field is refused too."""
    names = set(_form_files.file_field_names(ttype.fields, ttype.edit_layout))
    problems = [{"field": n, "message": "choose a file to upload"}
                for n in sorted(names) if data.get(n) not in (None, "") and n not in files]
    problems += [{"field": n, "message": "not a file field of this ticket type"} for n in files if n not in names]
    if problems:
        raise InvalidInput("A file field takes a file chosen with the submission", details=problems)
    if not files:
        return data, []
    staged = await attachments.stage_files(session, actor, files)
    return {**data, **{n: str(row.id) for n, (row, _) in staged.items()}}, list(staged.values())


async def _submit(actor: Actor, ticket_type: str, data: dict[str, Any], key: str | None,
                  files: Mapping[str, NewFile] | None = None) -> TicketCreatedDTO:
    async with actor_tx(actor) as session:
        found = await newest_ticket_type(session, actor.company_id, ticket_type) if len(ticket_type) <= 64 else None
        ttype, wf_id = found if found is not None else (None, None)
        if ttype is None:
            raise NotFound(f"Ticket type {ticket_type[:64]!r} not found")
        if not policy.can_submit(actor, list(ttype.company_role_access or [])):
            raise Forbidden(f"Your company roles do not allow submitting {ttype.title!r} tickets")
        data, staged = await _with_files(session, actor, ttype, data, files or {})
        data = with_defaults(ttype.fields, data)
        if key is not None:
            earlier = await _idempotency.replay(session, actor, key, ticket_type=ttype.key, data=data)
            if earlier is not None:
                return earlier
        await tenant_code.check_data(ttype.fields, data, what="ticket data")
        started = await _start.begin_workflow(session, actor, ttype, data, workflow_definition_id=wf_id,
                                                     idempotency_key=key)
        ticket, wi, task, task_def = started.ticket, started.workflow, started.task, started.task_def
        assert ticket.id is not None and task.id is not None
        await attachments.link_files(session, actor, staged, ticket.id)
        current = TaskRefDTO(id=task.id, key=task_def.key, title=task_def.title, type=task_def.t_type.value,
                             status=task.t_status.value, assignee_id=task.assigned_to,
                             assignee_email=started.assignee_email)
        metrics.inc("tickets_submitted_total")
        # One task to show unless the start fanned out (for_each instances, a CALL's child tasks): then ask.
        now = [current] if task.group_id is None and task_def.t_type != TaskType.CALL else \
            (await current_tasks(session, [wi.id or 0])).get(wi.id or 0) or [current]
        return TicketCreatedDTO(id=ticket.id, status=people_status(wi.w_status), workflow_status=wi.w_status.value,
                                current_task=now[0], current_tasks=now)

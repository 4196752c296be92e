"""Following tickets: lists, detail, comments, and admin steering (cancel, hold, resume)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from tfai.db.tables import (
    Comment,
    FileUpload,
    TaskDefinition,
    TaskInstance,
    TicketDefinition,
    TicketInstance,
    User,
    WorkflowDefinition,
    WorkflowInstance,
)
from tfai.domain import policy
from tfai.domain.bundle import visible_to_requester
from tfai.domain.errors import InvalidInput
from tfai.domain.lifecycle import ACTIVE_WORKFLOW
from tfai.domain.limits import MAX_COMMENT, MAX_REASON
from tfai.domain.policy import Action, Actor
from tfai.services.common import audit
from tfai.services.common.pagination import Page, clamp
from tfai.services.common.tx import actor_tx
from tfai.services.tickets import _edits, _timeline, editing
from tfai.services.tickets._filters import ticket_filter_conditions
from tfai.services.tickets._queries import (
    check_scope,
    check_state,
    current_tasks,
    emails,
    field_conditions,
    load_ticket,
    people_status,
    text_match,
)
from tfai.services.tickets.dto import (
    CommentDTO,
    FileDTO,
    TaskChoiceDTO,
    TicketDetailDTO,
    TicketSummaryDTO,
    TimelineTaskDTO,
)
from tfai.services.workflow import _runtime, _steer

_SORTS = {"created": col(TicketInstance.id), "updated": col(TicketInstance.updated_at),
          "title": col(TicketInstance.title)}


async def list_tickets(actor: Actor, *, scope: str = "mine", state: str = "active", search: str = "",
                       ticket_type: str | None = None, fields: dict[str, str] | None = None,
                       status: str | None = None, assignee_id: int | None = None,
                       created_from: datetime | None = None, created_to: datetime | None = None, page: int = 1,
                       page_size: int = 25, sort: str = "-created") -> Page[TicketSummaryDTO]:
    """One page of the actor's tickets (mine) or the company's (ticket admins and admins).

    `fields` keeps tickets whose custom field equals the value (`{"customer": "C00042"}`; a value spelling a
    JSON number or boolean also matches that number or boolean), served by the GIN index on ticket_data.
    `status` (workflow status), `assignee_id` (assignee of the current task) and `created_from` (inclusive) /
    `created_to` (exclusive) are the admin filters (tfai.services.ticket_filters).
    """
    check_scope(scope)
    check_state(state)
    policy.require(actor, Action.TICKET_LIST_COMPANY if scope == "company" else Action.TICKET_READ)
    field = sort.lstrip("-")
    if field not in _SORTS:
        raise InvalidInput("Unknown sort", details=[{"field": "sort", "message": f"one of {sorted(_SORTS)}"}])
    conditions = field_conditions(fields) + ticket_filter_conditions(
        status=status, assignee_id=assignee_id, created_from=created_from, created_to=created_to)
    page, page_size = clamp(page, page_size)
    async with actor_tx(actor) as session:
        # The filters touch ticket_instances only (ix_ticket_instances_state / _creator); the joins for the
        # display columns run for the page's rows alone.
        ids = sa_select(col(TicketInstance.id)).where(col(TicketInstance.archived) == (state == "archived"),
                                                      *conditions)
        if scope == "mine":
            ids = ids.where(col(TicketInstance.created_by) == actor.user_id)
        if ticket_type:
            ids = ids.where(col(TicketInstance.ticket_definition_id).in_(
                sa_select(col(TicketDefinition.id)).where(col(TicketDefinition.key) == ticket_type)))
        search = search.strip()[:200]
        if search:
            match = text_match(search, col(TicketInstance.title), cast(col(TicketInstance.ticket_data), String))
            if search.lstrip("#").isdigit() and len(search) < 18:
                match = match | (col(TicketInstance.id) == int(search.lstrip("#")))
            ids = ids.where(match)
        total = (await session.execute(select(func.count()).select_from(ids.subquery()))).scalar_one()
        desc = sort.startswith("-")
        order = _SORTS[field].desc() if desc else _SORTS[field].asc()
        page_ids = ids.order_by(order, col(TicketInstance.id).desc()).offset((page - 1) * page_size) \
            .limit(page_size).subquery()
        stmt = (sa_select(TicketInstance, col(TicketDefinition.key), col(TicketDefinition.title),
                          col(WorkflowInstance.w_status), col(User.email))
                .join(page_ids, page_ids.c.id == col(TicketInstance.id))
                .join(TicketDefinition, col(TicketDefinition.id) == col(TicketInstance.ticket_definition_id))
                .join(WorkflowInstance, col(WorkflowInstance.id) == col(TicketInstance.workflow_instance_id))
                .outerjoin(User, col(User.id) == col(TicketInstance.created_by))
                .order_by(order, col(TicketInstance.id).desc()))
        rows = (await session.execute(stmt)).all()
        current = await current_tasks(session, [r[0].workflow_instance_id for r in rows])
        items = [TicketSummaryDTO(id=t.id, title=t.title, ticket_type=key, ticket_type_title=title,
                                  status=people_status(ws), workflow_status=ws.value, created_by=t.created_by,
                                  created_by_email=email, created_at=t.created_at, updated_at=t.updated_at,
                                  current_task=next(iter(current.get(t.workflow_instance_id) or []), None),
                                  current_tasks=current.get(t.workflow_instance_id) or [])
                 for t, key, title, ws, email in rows]
        return Page[TicketSummaryDTO](items=items, total=int(total), page=page, page_size=page_size)


async def get_ticket(actor: Actor, ticket_id: int) -> TicketDetailDTO:
    """A ticket with its fields, status, task timeline, comments and attachments."""
    policy.require(actor, Action.TICKET_READ)
    async with actor_tx(actor) as session:
        t = await load_ticket(session, actor, ticket_id, Action.TICKET_READ)
        wi = await session.get(WorkflowInstance, t.workflow_instance_id)
        td = await session.get(TicketDefinition, t.ticket_definition_id)
        assert wi is not None and td is not None
        wd = await session.get(WorkflowDefinition, wi.workflow_definition_id)
        assert wd is not None
        tasks = (await session.execute(
            select(TaskInstance, TaskDefinition).join(TaskDefinition, col(TaskDefinition.id)
                                                      == col(TaskInstance.task_definition_id))
            .where(col(TaskInstance.workflow_instance_id) == wi.id).order_by(col(TaskInstance.id)))).all()
        comments = (await session.execute(select(Comment).where(col(Comment.ticket_instance_id) == t.id)
                                          .order_by(col(Comment.id)))).scalars().all()
        files = (await session.execute(select(FileUpload).where(col(FileUpload.ticket_instance_id) == t.id)
                                       .order_by(col(FileUpload.id)))).scalars().all()
        who = await emails(session, [t.created_by, *[c.author_id for c in comments],
                                     *[x.assigned_to for x, _ in tasks], *[x.completed_by for x, _ in tasks]])
        shown = _shown_task_keys(actor, wd.bundle, [x.assigned_to for x, _ in tasks])
        events = await _timeline.task_events(session, [x.id for x, d in tasks
                                                       if x.id is not None and (shown is None or d.key in shown)])
        timeline = [TimelineTaskDTO(
            id=x.id, key=d.key, title=d.title, type=d.t_type.value, status=x.t_status.value,
            assignee_id=x.assigned_to, assignee_email=who.get(x.assigned_to or 0),
            completed_by_email=who.get(x.completed_by or 0), created_at=x.created_at, assigned_at=x.assigned_at,
            started_at=x.started_at, completed_at=x.completed_at, due_at=x.due_at, events=events.get(x.id or 0, []),
            **({"input": x.input_data, "output": x.output_data, "error": x.error, "output_schema": d.output_schema,
                "display_layout": d.display_layout} if shown is None or d.key in shown else {}))
            for x, d in tasks]
        steer = policy.allowed(actor, Action.TICKET_STEER)
        now = (await current_tasks(session, [wi.id or 0])).get(wi.id or 0) or []
        detail = TicketDetailDTO(
            id=t.id, title=t.title, ticket_type=td.key, ticket_type_title=td.title, ticket_type_version=td.version,
            workflow_key=wd.key, workflow_version=wd.version, fields=t.ticket_data or {}, fields_schema=td.fields,
            display_layout=td.display_layout or td.edit_layout, status=people_status(wi.w_status),
            workflow_status=wi.w_status.value, hold_reason=wi.hold_reason if steer else None,
            created_by=t.created_by, created_by_email=who.get(t.created_by), created_at=t.created_at,
            updated_at=t.updated_at, completed_at=wi.completed_at,
            current_task=next(iter(now), None), current_tasks=now, timeline=timeline,
            comments=[comment_dto(c, who.get(c.author_id)) for c in comments],
            attachments=newest_files(files), edit_layout=td.edit_layout,
            changes=await _edits.field_changes(session, t.id or 0),
            can_edit=await _edits.edit_denial(session, actor, t, wi, td) is None,
            can_withdraw=await _edits.can_withdraw(session, actor, t, wi),
            move_choices=_move_choices(wd.bundle) if steer and wi.w_status in ACTIVE_WORKFLOW else [],
            **(_workflow_fields(wd, wi.workflow_data) if shown is None else {}))
    await audit.record_staff_view(actor, entity="ticket", entity_id=ticket_id)
    return detail


def _workflow_fields(wd: WorkflowDefinition, data: Any) -> dict[str, Any]:
    """The workflow's fields with their values, schema and display layout (the workflow's `display_layout`)."""
    declared = [f for f in wd.fields or [] if isinstance(f, dict) and isinstance(f.get("name"), str)]
    if not declared:
        return {}
    values = (data or {}).get("workflow") or {}
    props = {f["name"]: {"type": f.get("type"), **({"description": f["description"]} if f.get("description") else {})}
             for f in declared}
    layout = wd.bundle.get("display_layout") if isinstance(wd.bundle, dict) else None
    return {"workflow_fields": {k: v for k, v in values.items() if k in props},
            "workflow_fields_schema": {"type": "object", "properties": props}, "workflow_display_layout": layout}


def _move_choices(section: Any) -> list[TaskChoiceDTO]:
    """The workflow's tasks (key and title, definition order): where moving.move_ticket may send the ticket."""
    tasks = section.get("tasks") if isinstance(section, dict) else None
    return [TaskChoiceDTO(key=str(t["key"]), title=str(t.get("title") or t["key"]))
            for t in tasks or [] if isinstance(t, dict) and t.get("key")]


def _shown_task_keys(actor: Actor, section: Any, assignees: list[int | None]) -> set[str] | None:
    """The tasks whose input, output and error this reader sees; None: all of them.

    Admins, ticket admins and whoever works on the ticket see everything; a requester sees only the tasks marked
    `visible_to_requester` (by default FORM tasks: an action's data is a remote system's raw response).
    """
    if policy.effective_roles(actor) & {policy.ADMIN, policy.TICKET_ADMIN} or actor.user_id in assignees:
        return None
    tasks = section.get("tasks") if isinstance(section, dict) else None
    return {str(t.get("key")) for t in tasks or [] if visible_to_requester(t)}


def comment_dto(c: Comment, email: str | None) -> CommentDTO:
    return CommentDTO(id=c.id or 0, ticket_id=c.ticket_instance_id, author_id=c.author_id, author_email=email,
                      body=c.body, created_at=c.created_at)


def file_dto(f: FileUpload) -> FileDTO:
    return FileDTO(id=f.id or 0, ticket_id=f.ticket_instance_id, task_id=f.task_instance_id, filename=f.filename,
                   content_type=f.content_type, size=f.size, uploaded_by=f.uploaded_by, created_at=f.created_at,
                   version=f.version)


def newest_files(files: Sequence[FileUpload]) -> list[FileDTO]:
    """The newest version of each file name, in the order the names first arrived, with the older ones inside."""
    by_name: dict[str, list[FileUpload]] = {}
    for f in files:
        by_name.setdefault(f.filename, []).append(f)
    out = []
    for versions in by_name.values():
        newest, *older = sorted(versions, key=lambda f: f.version, reverse=True)
        out.append(file_dto(newest).model_copy(update={"older_versions": [file_dto(f) for f in older]}))
    return out


async def add_comment(actor: Actor, ticket_id: int, *, body: str) -> CommentDTO:
    """Comment on a ticket (requester, assignees, ticket admins, admins); 1..10000 characters."""
    policy.require(actor, Action.TICKET_COMMENT)
    body = body.strip()
    if not body or len(body) > MAX_COMMENT:
        raise InvalidInput("The comment must have 1 to 10000 characters",
                           details=[{"field": "body", "message": f"{len(body)} characters; 1 to {MAX_COMMENT}"}])
    async with actor_tx(actor) as session:
        t = await load_ticket(session, actor, ticket_id, Action.TICKET_COMMENT)
        c = Comment(company_id=actor.company_id, ticket_instance_id=t.id or 0, author_id=actor.user_id, body=body)
        session.add(c)
        await session.flush()
        await audit.record(session, actor, entity="comment", entity_id=c.id or 0, action="created",
                           after={"ticket": t.id, "length": len(body)})
        return comment_dto(c, actor.email or None)


async def _steer_ticket(actor: Actor, ticket_id: int, action: str, reason: str) -> None:
    policy.require(actor, Action.TICKET_STEER)
    reason = reason.strip()
    if len(reason) > MAX_REASON or (action == "hold" and not reason):
        raise InvalidInput(f"The reason must have 1 to {MAX_REASON} characters" if action == "hold"
                           else f"The reason is longer than {MAX_REASON} characters",
                           details=[{"field": "reason", "message": f"1 to {MAX_REASON} characters"}])
    async with actor_tx(actor) as session:
        t = await load_ticket(session, actor, ticket_id, Action.TICKET_STEER)
        wi = await _runtime.lock_workflow(session, t.workflow_instance_id)
        before = {"status": wi.w_status.value, "hold_reason": wi.hold_reason}
        if action == "cancel":
            await _steer.cancel_workflow(session, wi)
        elif action == "hold":
            _steer.hold_workflow(session, wi, reason)
        else:
            await _steer.resume_workflow(session, wi)
        await _runtime.touch_ticket(session, wi.id or 0)
        await audit.record(session, actor, entity="ticket", entity_id=t.id or 0, action=action, before=before,
                           after={"status": wi.w_status.value, "reason": reason or None})


async def cancel_ticket(actor: Actor, ticket_id: int, *, reason: str = "") -> None:
    """Cancel a ticket: workflow CANCELLED and its unfinished tasks CANCELLED (ticket admins, admins); anyone else
    may only withdraw their own ticket (editing.withdraw_ticket)."""
    if policy.allowed(actor, Action.TICKET_STEER):
        await _steer_ticket(actor, ticket_id, "cancel", reason)
    else:
        await editing.withdraw_ticket(actor, ticket_id, reason=reason)


async def hold_ticket(actor: Actor, ticket_id: int, *, reason: str) -> None:
    """Put an in-progress ticket on hold with a reason (ticket admins, admins)."""
    await _steer_ticket(actor, ticket_id, "hold", reason)


async def resume_ticket(actor: Actor, ticket_id: int) -> None:
    """Resume a ticket on hold that still has a task to do (ticket admins, admins)."""
    await _steer_ticket(actor, ticket_id, "resume", "")

"""Reading definitions: lists with search and pagination, details, versions and diffs."""

from __future__ import annotations

import difflib
import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.tables import TaskDefinition, WorkflowDefinition
from tfai.domain import policy
from tfai.domain.bundle import ExtRef, Task, TicketType, Transition, Workflow, WorkflowField
from tfai.domain.errors import NotFound
from tfai.domain.policy import Action, Actor
from tfai.domain.task_flow import flow_properties
from tfai.services.common.pagination import Page, clamp
from tfai.services.common.tx import actor_tx
from tfai.services.definitions import _store
from tfai.services.definitions.dto import (
    DiffLineDTO,
    TaskDefDetailDTO,
    TaskDefDTO,
    TaskDefSummaryDTO,
    TicketTypeDetailDTO,
    TicketTypeRefDTO,
    TicketTypeSummaryDTO,
    TransitionDTO,
    VersionDTO,
    WorkflowDetailDTO,
    WorkflowSummaryDTO,
)

_NEWEST_WF = ("SELECT DISTINCT ON (key) id, key, title, version, created_at, created_by FROM workflow_definitions "
              "WHERE company_id = :cid ORDER BY key, version DESC")
_NEWEST_TT = ("SELECT DISTINCT ON (key) id, key, title, version, workflow_key, created_at, created_by "
              "FROM ticket_definitions WHERE company_id = :cid ORDER BY key, version DESC")


def _pattern(search: str) -> str:
    escaped = search.strip()[:200].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _ordered(model: type[Any], data: Any) -> Any:
    """Reorder a stored section's keys (JSONB sorts them) into the bundle format's field order."""
    if not isinstance(data, dict):
        return data
    order = [f.alias or name for name, f in model.model_fields.items()]
    nested = {"tasks": Task, "transitions": Transition, "ext_ref": ExtRef, "fields": WorkflowField}
    out: dict[str, Any] = {}
    for key in [k for k in order if k in data] + [k for k in data if k not in order]:
        value = data[key]
        if key in nested and isinstance(value, list):  # a workflow's tasks, anyone's ext_ref
            value = [_ordered(nested[key], item) for item in value]
        out[key] = value
    return out


def workflow_section(row: WorkflowDefinition) -> dict[str, Any]:
    """The stored workflow section in the bundle format's key order."""
    ordered: dict[str, Any] = _ordered(Workflow, row.bundle)
    return ordered


def ticket_type_section_ordered(row: Any) -> dict[str, Any]:
    ordered: dict[str, Any] = _ordered(TicketType, _store.ticket_type_section(row))
    return ordered


def _task_dto(row: TaskDefinition) -> TaskDefDTO:
    return TaskDefDTO(
        key=row.key, title=row.title, description=row.description, type=str(row.t_type.value), position=row.position,
        input_schema=row.input_schema, output_schema=row.output_schema, input_transform=row.input_transform,
        output_transform=row.output_transform, action_url=row.action_url, timeout_seconds=row.timeout_seconds,
        edit_layout=row.edit_layout, display_layout=row.display_layout, ext_ref=list(row.ext_ref or []),
    )


async def _versions(session: AsyncSession, table: str, cid: int, key: str) -> list[VersionDTO]:
    rows = (await session.execute(text(
        f"SELECT d.version, d.created_at, u.email FROM {table} d LEFT JOIN users u ON u.id = d.created_by "  # noqa: S608
        "WHERE d.company_id = :cid AND d.key = :key ORDER BY d.version DESC"), {"cid": cid, "key": key})).all()
    return [VersionDTO(version=v, created_at=at, created_by_email=email) for v, at, email in rows]


async def _email(session: AsyncSession, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    found = (await session.execute(text("SELECT email FROM users WHERE id = :id"), {"id": user_id})).scalar()
    return str(found) if found is not None else None


async def _workflow_row(session: AsyncSession, key: str, version: int | None) -> WorkflowDefinition:
    row = (await _store.current_workflow(session, key) if version is None
           else await _store.workflow_version(session, key, version))
    if row is None:
        raise NotFound("Workflow not found")
    return row


async def _transitions(session: AsyncSession, wf_id: int, tasks: dict[str, TaskDefinition]) -> list[TransitionDTO]:
    names = {row.id: key for key, row in tasks.items()}
    return [TransitionDTO(from_task=names.get(tr.from_task_id, "?"),
                          to_task=names.get(tr.to_task_id) if tr.to_task_id is not None else None,
                          condition=tr.condition, priority=tr.priority, position=tr.position)
            for tr in await _store.workflow_transitions(session, wf_id)]


async def list_workflows(actor: Actor, *, search: str = "", page: int = 1,
                         page_size: int = 25) -> Page[WorkflowSummaryDTO]:
    """The newest version of each workflow: key, title, version, last change, by whom, tasks, ticket types."""
    policy.require(actor, Action.DEFINITION_READ)
    page, page_size = clamp(page, page_size)
    params = {"cid": actor.company_id, "pat": _pattern(search), "lim": page_size, "off": (page - 1) * page_size}
    where = "WHERE n.key ILIKE :pat ESCAPE '\\' OR n.title ILIKE :pat ESCAPE '\\'"
    async with actor_tx(actor) as session:
        total = (await session.execute(text(f"WITH n AS ({_NEWEST_WF}) SELECT count(*) FROM n {where}"),
                                       params)).scalar_one()
        rows = (await session.execute(text(
            f"WITH n AS ({_NEWEST_WF}), tt AS ({_NEWEST_TT}) "
            "SELECT n.key, n.title, n.version, n.created_at, u.email, "
            "(SELECT count(*) FROM task_definitions t WHERE t.workflow_definition_id = n.id), "
            "COALESCE((SELECT array_agg(tt.key ORDER BY tt.key) FROM tt WHERE tt.workflow_key = n.key), '{}') "
            f"FROM n LEFT JOIN users u ON u.id = n.created_by {where} ORDER BY n.key LIMIT :lim OFFSET :off"),
            params)).all()
    items = [WorkflowSummaryDTO(key=k, title=t, version=v, updated_at=at, updated_by_email=email, task_count=count,
                                ticket_type_keys=list(tts)) for k, t, v, at, email, count, tts in rows]
    return Page(items=items, total=int(total), page=page, page_size=page_size)


async def get_workflow(actor: Actor, key: str, version: int | None = None) -> WorkflowDetailDTO:
    """One workflow version (the newest by default) with tasks, transitions, versions and ticket types."""
    policy.require(actor, Action.DEFINITION_READ)
    async with actor_tx(actor) as session:
        row = await _workflow_row(session, key, version)
        assert row.id is not None
        tasks = await _store.workflow_tasks(session, row.id)
        transitions = await _transitions(session, row.id, tasks)
        versions = await _versions(session, "workflow_definitions", actor.company_id, key)
        tts = await _store.current_ticket_types_for(session, key)
        email = await _email(session, row.created_by)
    return WorkflowDetailDTO(
        key=row.key, version=row.version, newest_version=versions[0].version if versions else row.version,
        title=row.title, description=row.description, start_task_key=row.start_task_key,
        ext_ref=list(row.ext_ref or []), fields=list(row.fields or []), display_layout=row.display_layout,
        created_at=row.created_at, created_by_email=email, tasks=[_task_dto(t) for t in tasks.values()],
        transitions=transitions, versions=versions,
        ticket_types=[TicketTypeRefDTO(key=t.key, version=t.version, title=t.title) for t in tts],
        bundle=workflow_section(row),
    )


async def list_ticket_types(actor: Actor, *, search: str = "", page: int = 1,
                            page_size: int = 25) -> Page[TicketTypeSummaryDTO]:
    """The newest version of each ticket type."""
    policy.require(actor, Action.DEFINITION_READ)
    page, page_size = clamp(page, page_size)
    params = {"cid": actor.company_id, "pat": _pattern(search), "lim": page_size, "off": (page - 1) * page_size}
    where = ("WHERE n.key ILIKE :pat ESCAPE '\\' OR n.title ILIKE :pat ESCAPE '\\' "
             "OR n.workflow_key ILIKE :pat ESCAPE '\\'")
    async with actor_tx(actor) as session:
        total = (await session.execute(text(f"WITH n AS ({_NEWEST_TT}) SELECT count(*) FROM n {where}"),
                                       params)).scalar_one()
        rows = (await session.execute(text(
            f"WITH n AS ({_NEWEST_TT}) SELECT n.key, n.title, n.version, n.workflow_key, n.created_at, u.email "
            f"FROM n LEFT JOIN users u ON u.id = n.created_by {where} ORDER BY n.key LIMIT :lim OFFSET :off"),
            params)).all()
    items = [TicketTypeSummaryDTO(key=k, title=t, version=v, workflow_key=wk, updated_at=at, updated_by_email=e)
             for k, t, v, wk, at, e in rows]
    return Page(items=items, total=int(total), page=page, page_size=page_size)


async def get_ticket_type(actor: Actor, key: str, version: int | None = None) -> TicketTypeDetailDTO:
    """One ticket type version (the newest by default), its versions and the workflow it starts."""
    policy.require(actor, Action.DEFINITION_READ)
    async with actor_tx(actor) as session:
        row = (await _store.current_ticket_type(session, key) if version is None
               else await _store.ticket_type_version(session, key, version))
        if row is None:
            raise NotFound("Ticket type not found")
        versions = await _versions(session, "ticket_definitions", actor.company_id, key)
        wf = await _store.current_workflow(session, row.workflow_key)
        email = await _email(session, row.created_by)
    return TicketTypeDetailDTO(
        key=row.key, version=row.version, newest_version=versions[0].version if versions else row.version,
        title=row.title, description=row.description, workflow_key=row.workflow_key,
        workflow_title=wf.title if wf else None, fields=dict(row.fields or {}),
        company_role_access=list(row.company_role_access or []), edit_layout=row.edit_layout,
        display_layout=row.display_layout, ext_ref=list(row.ext_ref or []), editable_by=row.editable_by,
        created_at=row.created_at, created_by_email=email, versions=versions,
        section=ticket_type_section_ordered(row),
    )


async def list_task_definitions(actor: Actor, *, search: str = "", page: int = 1,
                                page_size: int = 25) -> Page[TaskDefSummaryDTO]:
    """The tasks of each workflow's newest version, by workflow key then document order."""
    policy.require(actor, Action.DEFINITION_READ)
    page, page_size = clamp(page, page_size)
    params = {"cid": actor.company_id, "pat": _pattern(search), "lim": page_size, "off": (page - 1) * page_size}
    base = (f"FROM ({_NEWEST_WF}) n JOIN task_definitions t ON t.workflow_definition_id = n.id "
            "WHERE t.key ILIKE :pat ESCAPE '\\' OR t.title ILIKE :pat ESCAPE '\\' OR n.key ILIKE :pat ESCAPE '\\'")
    async with actor_tx(actor) as session:
        total = (await session.execute(text(f"SELECT count(*) {base}"), params)).scalar_one()
        rows = (await session.execute(text(
            f"SELECT n.key, n.version, n.title, t.key, t.title, t.t_type::text, t.position {base} "
            "ORDER BY n.key, t.position LIMIT :lim OFFSET :off"), params)).all()
    items = [TaskDefSummaryDTO(workflow_key=wk, workflow_version=wv, workflow_title=wt, key=k, title=t, type=ty,
                               position=pos) for wk, wv, wt, k, t, ty, pos in rows]
    return Page(items=items, total=int(total), page=page, page_size=page_size)


async def get_task_definition(actor: Actor, workflow_key: str, task_key: str) -> TaskDefDetailDTO:
    """One task of a workflow's newest version, with its incoming and outgoing transitions."""
    policy.require(actor, Action.DEFINITION_READ)
    async with actor_tx(actor) as session:
        wf = await _workflow_row(session, workflow_key, None)
        assert wf.id is not None
        tasks = await _store.workflow_tasks(session, wf.id)
        if task_key not in tasks:
            raise NotFound("Task definition not found")
        transitions = await _transitions(session, wf.id, tasks)
    base = _task_dto(tasks[task_key]).model_dump()
    listed = (wf.bundle or {}).get("tasks") or []
    section = next((t for t in listed if isinstance(t, dict) and t.get("key") == task_key), {})
    return TaskDefDetailDTO(
        **base, workflow_key=wf.key, workflow_version=wf.version, workflow_title=wf.title,
        incoming=[t for t in transitions if t.to_task == task_key],
        outgoing=[t for t in transitions if t.from_task == task_key],
        flow=flow_properties(section),
    )


def _pretty(section: dict[str, Any]) -> list[str]:
    return json.dumps(section, indent=2, ensure_ascii=False).splitlines()


def _kind(line: str) -> str:
    if line.startswith(("---", "+++")):
        return "header"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "remove"}.get(line[:1], "context")


async def diff_versions(actor: Actor, key: str, v1: int, v2: int) -> list[DiffLineDTO]:
    """A unified line diff of the pretty-printed workflow sections of two versions (empty when equal)."""
    policy.require(actor, Action.DEFINITION_READ)
    async with actor_tx(actor) as session:
        a = await _workflow_row(session, key, v1)
        b = await _workflow_row(session, key, v2)
    lines = difflib.unified_diff(_pretty(workflow_section(a)), _pretty(workflow_section(b)),
                                 fromfile=f"{key} v{v1}", tofile=f"{key} v{v2}", lineterm="")
    return [DiffLineDTO(kind=_kind(line), text=line) for line in lines]

"""Storing bundles as versioned rows, and the loaders the runtime uses (all inside an open session)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import (
    CompanyRole,
    TaskDefinition,
    TaskType,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)
from tfai.domain.bundle import FORMAT, TicketType, Workflow
from tfai.domain.policy import Actor
from tfai.domain.validate import ExistingDefinitions
from tfai.services.common import audit
from tfai.services.definitions.dto import KeyVersionDTO, SavedBundleDTO


async def current_workflow(session: AsyncSession, key: str) -> WorkflowDefinition | None:
    """The newest version of a workflow of the session's company, or None."""
    stmt = select(WorkflowDefinition).where(col(WorkflowDefinition.key) == key)
    stmt = stmt.order_by(col(WorkflowDefinition.version).desc()).limit(1)
    return (await session.execute(stmt)).scalars().first()


async def workflow_version(session: AsyncSession, key: str, version: int) -> WorkflowDefinition | None:
    """One given version of a workflow, or None."""
    stmt = select(WorkflowDefinition).where(col(WorkflowDefinition.key) == key,
                                            col(WorkflowDefinition.version) == version)
    return (await session.execute(stmt)).scalars().first()


async def current_ticket_type(session: AsyncSession, key: str) -> TicketDefinition | None:
    """The newest version of a ticket type of the session's company, or None."""
    stmt = select(TicketDefinition).where(col(TicketDefinition.key) == key)
    stmt = stmt.order_by(col(TicketDefinition.version).desc()).limit(1)
    return (await session.execute(stmt)).scalars().first()


async def ticket_type_version(session: AsyncSession, key: str, version: int) -> TicketDefinition | None:
    stmt = select(TicketDefinition).where(col(TicketDefinition.key) == key, col(TicketDefinition.version) == version)
    return (await session.execute(stmt)).scalars().first()


async def workflow_tasks(session: AsyncSession, workflow_definition_id: int) -> dict[str, TaskDefinition]:
    """The tasks of one workflow version, key -> row, in document order."""
    stmt = select(TaskDefinition).where(col(TaskDefinition.workflow_definition_id) == workflow_definition_id)
    rows = (await session.execute(stmt.order_by(col(TaskDefinition.position)))).scalars().all()
    return {row.key: row for row in rows}


async def workflow_transitions(session: AsyncSession, workflow_definition_id: int) -> list[WorkflowTransition]:
    """The transitions of one workflow version in document order."""
    stmt = select(WorkflowTransition).where(col(WorkflowTransition.workflow_definition_id) == workflow_definition_id)
    return list((await session.execute(stmt.order_by(col(WorkflowTransition.position)))).scalars().all())


async def current_ticket_types_for(session: AsyncSession, workflow_key: str) -> list[TicketDefinition]:
    """The newest version of every ticket type whose newest version starts `workflow_key`."""
    newest = (select(col(TicketDefinition.key), func.max(col(TicketDefinition.version)).label("v"))
              .group_by(col(TicketDefinition.key)).subquery())
    stmt = (select(TicketDefinition)
            .join(newest, (col(TicketDefinition.key) == newest.c.key) & (col(TicketDefinition.version) == newest.c.v))
            .where(col(TicketDefinition.workflow_key) == workflow_key)
            .order_by(col(TicketDefinition.key)))
    return list((await session.execute(stmt)).scalars().all())


async def existing_definitions(session: AsyncSession) -> ExistingDefinitions:
    """What the validator needs to know about the company: workflows (newest fields), ticket types, roles."""
    rows = (await session.execute(text(
        "SELECT DISTINCT ON (key) key, fields, bundle->'tasks' FROM workflow_definitions ORDER BY key, version DESC"
    ))).all()
    workflows: dict[str, list[str]] = {
        str(key): [str(f.get("name")) for f in (fields or []) if isinstance(f, dict)] for key, fields, _ in rows}
    calls = {str(key): [str(t["workflow"]) for t in (tasks if isinstance(tasks, list) else [])
                        if isinstance(t, dict) and t.get("type") == "CALL" and isinstance(t.get("workflow"), str)]
             for key, _, tasks in rows}
    tt_keys = (await session.execute(select(col(TicketDefinition.key)).distinct())).scalars().all()
    roles = (await session.execute(select(col(CompanyRole.role_name)))).scalars().all()
    return ExistingDefinitions(workflows=workflows, ticket_type_keys=frozenset(tt_keys), role_names=frozenset(roles),
                               calls=calls)


def ticket_type_section(row: TicketDefinition) -> dict[str, Any]:
    """A stored ticket type as its bundle section (the shape it was uploaded in)."""
    section: dict[str, Any] = {"key": row.key, "title": row.title}
    if row.description:
        section["description"] = row.description
    section.update(workflow=row.workflow_key, fields=row.fields, company_role_access=list(row.company_role_access))
    if row.edit_layout is not None:
        section["edit_layout"] = row.edit_layout
    if row.display_layout is not None:
        section["display_layout"] = row.display_layout
    if row.ext_ref:
        section["ext_ref"] = list(row.ext_ref)
    if row.editable_by != "requester":  # the default stays implicit, as it was uploaded
        section["editable_by"] = row.editable_by
    return section


def bundle_document(workflow: dict[str, Any] | None, ticket_types: list[dict[str, Any]]) -> dict[str, Any]:
    """A tfai.bundle/v1 document from sections."""
    doc: dict[str, Any] = {"format": FORMAT}
    if workflow is not None:
        doc["workflow"] = workflow
    doc["ticket_types"] = ticket_types
    return doc


def canonical(model: type[BaseModel], section: dict[str, Any]) -> str:
    """A stable text of a section: defaults filled in by the model, keys sorted, '' description as none."""
    try:
        data: Any = model.model_validate(section).model_dump(mode="json", by_alias=True)
    except ValidationError:
        data = section
    if isinstance(data, dict) and data.get("description") == "":
        data = {**data, "description": None}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


async def lock_keys(session: AsyncSession, company_id: int, keys: list[str]) -> None:
    """Serialize saves of the same keys in a company until the transaction ends (sorted: no deadlocks)."""
    for key in sorted(set(keys)):
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, :cid))"),
                              {"k": key, "cid": company_id})


async def _store_workflow(session: AsyncSession, actor: Actor, section: dict[str, Any],
                          version: int) -> WorkflowDefinition:
    wf = WorkflowDefinition(
        company_id=actor.company_id, key=section["key"], version=version, title=section["title"],
        description=section.get("description") or "", ext_ref=section.get("ext_ref") or [],
        fields=section.get("fields") or [], start_task_key=section["start"],
        display_layout=section.get("display_layout"), bundle=section, created_by=actor.user_id if not actor.staff
        else None,
    )
    session.add(wf)
    await session.flush()
    assert wf.id is not None
    ids: dict[str, int] = {}
    for pos, task in enumerate(section.get("tasks") or []):
        row = TaskDefinition(
            company_id=actor.company_id, workflow_definition_id=wf.id, key=task["key"], version=version,
            title=task["title"], description=task.get("description") or "", t_type=TaskType(task["type"]),
            input_schema=task.get("input_schema"), output_schema=task.get("output_schema"),
            input_transform=task.get("input_transform"), output_transform=task.get("output_transform"),
            action_url=task.get("action_url"), timeout_seconds=task.get("timeout_seconds"),
            edit_layout=task.get("edit_layout"), display_layout=task.get("display_layout"),
            ext_ref=task.get("ext_ref") or [], position=pos,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        ids[row.key] = row.id
    for pos, tr in enumerate(section.get("transitions") or []):
        session.add(WorkflowTransition(
            company_id=actor.company_id, workflow_definition_id=wf.id, from_task_id=ids[tr["from"]],
            to_task_id=ids[tr["to"]] if tr.get("to") is not None else None, condition=tr.get("condition"),
            priority=int(tr.get("priority") or 0), position=pos,
        ))
    await session.flush()
    await audit.record(session, actor, entity="workflow_definition", entity_id=wf.id, action="version_created",
                       after={"key": wf.key, "version": version, "tasks": len(ids)})
    return wf


async def _store_ticket_type(session: AsyncSession, actor: Actor, section: dict[str, Any],
                             version: int) -> TicketDefinition:
    tt = TicketDefinition(
        company_id=actor.company_id, key=section["key"], version=version, title=section["title"],
        description=section.get("description") or "", workflow_key=section["workflow"], fields=section["fields"],
        company_role_access=list(section.get("company_role_access") or []),
        edit_layout=section.get("edit_layout"), display_layout=section.get("display_layout"),
        ext_ref=section.get("ext_ref") or [], editable_by=section.get("editable_by") or "requester",
        created_by=actor.user_id if not actor.staff else None,
    )
    session.add(tt)
    await session.flush()
    assert tt.id is not None
    await audit.record(session, actor, entity="ticket_definition", entity_id=tt.id, action="version_created",
                       after={"key": tt.key, "version": version, "workflow": tt.workflow_key})
    return tt


async def store_bundle(session: AsyncSession, actor: Actor, bundle: dict[str, Any]) -> SavedBundleDTO:
    """Write new versions of whatever changed in an already validated bundle (caller holds the key locks)."""
    created = changed = False
    wf_key: str | None = None
    wf_version: int | None = None
    section = bundle.get("workflow")
    if isinstance(section, dict):
        wf_key = section["key"]
        latest = await current_workflow(session, section["key"])
        if latest is None or canonical(Workflow, latest.bundle) != canonical(Workflow, section):
            wf_version = 1 if latest is None else latest.version + 1
            await _store_workflow(session, actor, section, wf_version)
            created, changed = created or latest is None, True
        else:
            wf_version = latest.version
    saved: list[KeyVersionDTO] = []
    for tt_section in bundle.get("ticket_types") or []:
        current = await current_ticket_type(session, tt_section["key"])
        if current is None or canonical(TicketType, ticket_type_section(current)) != canonical(TicketType, tt_section):
            version = 1 if current is None else current.version + 1
            await _store_ticket_type(session, actor, tt_section, version)
            created, changed = created or current is None, True
        else:
            version = current.version
        saved.append(KeyVersionDTO(key=tt_section["key"], version=version))
    return SavedBundleDTO(workflow_key=wf_key, workflow_version=wf_version, ticket_types=saved,
                          created=created, changed=changed)

"""Starting a workflow for a new ticket: the ticket, its workflow instance and its first task, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.tables import (
    TaskDefinition,
    TaskInstance,
    TicketDefinition,
    TicketInstance,
    WorkflowInstance,
)
from tfai.domain.engine import initial_workflow_data
from tfai.domain.errors import Conflict
from tfai.domain.lifecycle import WorkflowEvent, next_workflow_status
from tfai.domain.policy import Actor
from tfai.services.common import audit
from tfai.services.definitions import _cache
from tfai.services.definitions._store import current_workflow
from tfai.services.workflow._runtime import create_task


def _title(ticket_def: TicketDefinition, data: dict[str, Any]) -> str:
    props = (ticket_def.fields or {}).get("properties") or {}
    for name in (ticket_def.fields or {}).get("required") or list(props):
        value = data.get(name)
        if isinstance(value, str) and value.strip() and len(value) <= 100:
            return f"{ticket_def.title}: {value.strip()}"[:300]
    return ticket_def.title[:300]


@dataclass(frozen=True)
class Started:
    """What begin_workflow created: the ticket, its workflow instance, the start task and its definition, and the
    email of the start task's assignee (None when it was not assigned)."""

    ticket: TicketInstance
    workflow: WorkflowInstance
    task: TaskInstance
    task_def: TaskDefinition
    assignee_email: str | None


async def begin_workflow(session: AsyncSession, actor: Actor, ticket_def: TicketDefinition, data: dict[str, Any], *,
                         workflow_definition_id: int | None = None, idempotency_key: str | None = None) -> Started:
    """Create the ticket, its workflow (current version, started) and its start task; everything created, so the
    answer needs no re-reads. `workflow_definition_id`: the newest version of the ticket type's workflow when the
    caller already looked it up."""
    wf_id = workflow_definition_id
    if wf_id is None:
        newest = await current_workflow(session, ticket_def.workflow_key)
        wf_id = newest.id if newest is not None else None
    if wf_id is None:
        raise Conflict(f"The workflow {ticket_def.workflow_key!r} of this ticket type does not exist")
    version = await _cache.workflow_version(session, actor.company_id, wf_id)
    wf_def, tasks = version.row, version.tasks
    start = tasks.get(wf_def.start_task_key)
    if start is None:
        raise Conflict(f"The workflow {wf_def.key!r} has no start task")
    wi = WorkflowInstance(company_id=actor.company_id, workflow_definition_id=wf_id,
                          w_status=next_workflow_status(None, WorkflowEvent.START),
                          workflow_data=initial_workflow_data(version.model, data))
    session.add(wi)
    await session.flush()
    assert wi.id is not None and ticket_def.id is not None
    ticket = TicketInstance(company_id=actor.company_id, ticket_definition_id=ticket_def.id,
                            workflow_instance_id=wi.id, created_by=actor.user_id, title=_title(ticket_def, data),
                            ticket_data=data, idempotency_key=idempotency_key)
    session.add(ticket)  # written with the start task's flush
    created = await create_task(session, actor.company_id, wi, start)
    task = created.task
    assert ticket.id is not None
    await audit.record(session, actor, entity="ticket", entity_id=ticket.id, action="submitted",
                       after={"ticket_type": ticket_def.key, "version": ticket_def.version,
                              "workflow": wf_def.key, "workflow_version": wf_def.version,
                              "start_task": task.id, "task_status": task.t_status.value})
    return Started(ticket=ticket, workflow=wi, task=task, task_def=start, assignee_email=created.assignee_email)



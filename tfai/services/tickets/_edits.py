"""In-transaction reads for ticket edits: what the reader may do to a ticket, and the field changes so far."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import AuditLog, TaskInstance, TicketDefinition, TicketInstance, WorkflowInstance
from tfai.domain import policy
from tfai.domain.errors import TfaiError
from tfai.domain.lifecycle import ACTIVE_WORKFLOW, TaskStatus
from tfai.domain.policy import Actor
from tfai.services.tickets._queries import emails, ticket_resource
from tfai.services.tickets.dto import FieldChangeDTO

EDITED = "edited"  # the audit action of a field edit, which the ticket's timeline reads back


async def any_task_completed(session: AsyncSession, workflow_instance_id: int) -> bool:
    stmt = select(TaskInstance.id).where(col(TaskInstance.workflow_instance_id) == workflow_instance_id,
                                         col(TaskInstance.t_status) == TaskStatus.COMPLETED).limit(1)
    return (await session.execute(stmt)).first() is not None


async def edit_denial(session: AsyncSession, actor: Actor, ticket: TicketInstance, wi: WorkflowInstance,
                      ticket_def: TicketDefinition) -> TfaiError | None:
    """The policy's answer for editing this ticket's fields now (None: allowed)."""
    return policy.ticket_edit_denial(
        actor, await ticket_resource(session, ticket), editable_by=ticket_def.editable_by,
        task_completed=await any_task_completed(session, wi.id or 0), active=wi.w_status in ACTIVE_WORKFLOW)


async def can_withdraw(session: AsyncSession, actor: Actor, ticket: TicketInstance, wi: WorkflowInstance) -> bool:
    """Whether the reader may withdraw this ticket as its requester now (it is theirs and still active)."""
    return wi.w_status in ACTIVE_WORKFLOW and \
        policy.ticket_withdraw_denial(actor, await ticket_resource(session, ticket)) is None


async def field_changes(session: AsyncSession, ticket_id: int) -> list[FieldChangeDTO]:
    """Every field edit of the ticket, oldest first, one entry per field, from its audit log."""
    rows = (await session.execute(
        select(AuditLog).where(col(AuditLog.entity) == "ticket", col(AuditLog.entity_id) == str(ticket_id),
                               col(AuditLog.action) == EDITED).order_by(col(AuditLog.id)))).scalars().all()
    who = await emails(session, [r.actor_user_id for r in rows])
    out: list[FieldChangeDTO] = []
    for r in rows:
        before, after = r.before if isinstance(r.before, dict) else {}, r.after if isinstance(r.after, dict) else {}
        out.extend(FieldChangeDTO(field=name, before=before.get(name), after=after.get(name),
                                  changed_by_email=who.get(r.actor_user_id or 0), changed_at=r.created_at)
                   for name in sorted({*before, *after}))
    return out

"""Changing a submitted ticket: its fields (a partial update validated like a submission), or withdrawing it."""

from __future__ import annotations

from typing import Any

from tfai.db.tables import TicketDefinition
from tfai.domain import policy
from tfai.domain.errors import InvalidInput
from tfai.domain.limits import MAX_REASON
from tfai.domain.policy import Action, Actor
from tfai.services.common import audit, concurrency, tenant_code
from tfai.services.common.tx import actor_tx
from tfai.services.tickets import _edits, _form_files
from tfai.services.tickets._queries import load_ticket, ticket_resource
from tfai.services.tickets.dto import FieldChangeDTO
from tfai.services.workflow import _runtime, _steer

_ABSENT = object()


async def edit_ticket(actor: Actor, ticket_id: int, *, fields: dict[str, Any]) -> list[FieldChangeDTO]:
    """Change some of a ticket's fields; those not sent keep their values and the result must match the type's schema.

    Who may: see policy.ticket_edit_denial (the type's `editable_by`). The workflow reads the new values from now on
    (`ticket` in CEL); the audit log keeps each changed field's old and new value for the ticket's timeline.
    A changed `file` field must name one of this ticket's attachments (InvalidInput under the field otherwise).
    Answers every field change of the ticket so far, this one last (nothing new when the values were already so).
    """
    policy.require(actor, Action.TICKET_EDIT)
    if not isinstance(fields, dict) or not fields:
        raise InvalidInput("Send at least one field to change",
                           details=[{"field": "fields", "message": "an object with at least one field"}])
    async with concurrency.company_slot(actor.company_id):  # the check runs the company's schema
        async with actor_tx(actor) as session:
            ticket = await load_ticket(session, actor, ticket_id, Action.TICKET_READ)
            # The workflow first, then the ticket row, as every status change does (no lock-order inversion);
            # the refresh reads the fields as they are under that lock.
            wi = await _runtime.lock_workflow(session, ticket.workflow_instance_id)
            await session.refresh(ticket)
            ticket_def = await session.get(TicketDefinition, ticket.ticket_definition_id)
            assert ticket_def is not None
            denied = await _edits.edit_denial(session, actor, ticket, wi, ticket_def)
            if denied is not None:
                raise denied
            before: dict[str, Any] = dict(ticket.ticket_data or {})
            merged = {**before, **fields}
            await tenant_code.check_data(ticket_def.fields, merged, what="ticket data")
            changed = sorted(k for k in fields if before.get(k, _ABSENT) != fields[k])
            if not changed:
                return await _edits.field_changes(session, ticket_id)
            # A `file` field names one of this ticket's attachments (RLS keeps other companies' files out too).
            await _form_files.check_file_values(session, ticket.workflow_instance_id, ticket_def.fields,
                                                ticket_def.edit_layout, {k: fields[k] for k in changed})
            ticket.ticket_data = merged
            wi.workflow_data = {**(wi.workflow_data or {}), "ticket": merged}  # what CEL reads as `ticket`
            session.add(ticket)
            session.add(wi)
            await _runtime.touch_ticket(session, wi.id or 0)
            await audit.record(session, actor, entity="ticket", entity_id=ticket_id, action=_edits.EDITED,
                               before={k: before[k] for k in changed if k in before},
                               after={k: merged[k] for k in changed})
            return await _edits.field_changes(session, ticket_id)


async def withdraw_ticket(actor: Actor, ticket_id: int, *, reason: str = "") -> None:
    """The requester cancels their own active ticket (its open tasks are cancelled), with an optional reason."""
    policy.require(actor, Action.TICKET_WITHDRAW)
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason is longer than {MAX_REASON} characters",
                           details=[{"field": "reason", "message": f"at most {MAX_REASON} characters"}])
    async with actor_tx(actor) as session:
        ticket = await load_ticket(session, actor, ticket_id, Action.TICKET_READ)
        denied = policy.ticket_withdraw_denial(actor, await ticket_resource(session, ticket))
        if denied is not None:
            raise denied
        wi = await _runtime.lock_workflow(session, ticket.workflow_instance_id)
        before = {"status": wi.w_status.value}
        await _steer.cancel_workflow(session, wi)  # Conflict when it is already finished
        await _runtime.touch_ticket(session, wi.id or 0)
        await audit.record(session, actor, entity="ticket", entity_id=ticket_id, action="withdrawn", before=before,
                           after={"status": wi.w_status.value, "reason": reason or None})

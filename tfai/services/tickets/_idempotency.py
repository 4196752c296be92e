"""Idempotent ticket submission: a retry with the same Idempotency-Key answers with the ticket already created."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tfai.db.tables import TicketDefinition, TicketInstance, WorkflowInstance
from tfai.domain.errors import Conflict, InvalidInput
from tfai.domain.limits import MAX_IDEMPOTENCY_KEY
from tfai.domain.policy import Actor
from tfai.services.tickets._queries import current_tasks, people_status
from tfai.services.tickets.dto import TicketCreatedDTO

HEADER = "Idempotency-Key"
_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_IDEMPOTENCY_KEY}}}")  # visible ASCII, as HTTP header values travel
INDEX = "ux_ticket_instances_idempotency"


def check_key(key: str | None) -> str | None:
    """The key when given and well formed (1–255 visible ASCII characters), None when not given."""
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise InvalidInput(f"The {HEADER} header must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters",
                           details=[{"field": HEADER,
                                     "message": f"1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"}])
    return key


def is_key_clash(exc: IntegrityError) -> bool:
    """True when a concurrent request with the same key created its ticket first."""
    return INDEX in str(exc.orig)


async def replay(session: AsyncSession, actor: Actor, key: str, *, ticket_type: str,
                 data: dict[str, Any]) -> TicketCreatedDTO | None:
    """The actor's ticket created with `key` (as it stands now), None when there is none.

    Conflict when the key was used for another ticket type or other data: a key names one request.
    """
    row = (await session.execute(
        select(TicketInstance, col(WorkflowInstance.w_status), col(TicketDefinition.key))
        .join(WorkflowInstance, col(WorkflowInstance.id) == col(TicketInstance.workflow_instance_id))
        .join(TicketDefinition, col(TicketDefinition.id) == col(TicketInstance.ticket_definition_id))
        .where(col(TicketInstance.created_by) == actor.user_id, col(TicketInstance.idempotency_key) == key)
    )).first()
    if row is None:
        return None
    ticket, w_status, type_key = row
    if type_key != ticket_type or ticket.ticket_data != data:
        raise Conflict(f"This {HEADER} was already used for a different ticket; send a new key for a new ticket",
                       details=[{"field": HEADER, "message": "already used for a different request"}])
    assert ticket.id is not None
    current = (await current_tasks(session, [ticket.workflow_instance_id])).get(ticket.workflow_instance_id) or []
    return TicketCreatedDTO(id=ticket.id, status=people_status(w_status), workflow_status=w_status.value,
                            current_task=next(iter(current), None), current_tasks=current, replayed=True)

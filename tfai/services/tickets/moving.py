"""Moving stuck work on: an admin sends an unfinished ticket to a chosen task of its workflow."""

from __future__ import annotations

from tfai.domain import policy
from tfai.domain.errors import InvalidInput
from tfai.domain.limits import MAX_KEY, MAX_REASON
from tfai.domain.policy import Action, Actor
from tfai.services.common import audit
from tfai.services.common.tx import actor_tx
from tfai.services.definitions import _cache
from tfai.services.tickets._queries import load_ticket
from tfai.services.tickets.dto import MovedDTO, TaskRefDTO
from tfai.services.workflow import _runtime, _steer


async def move_ticket(actor: Actor, ticket_id: int, *, task: str, reason: str = "") -> MovedDTO:
    """Move an active ticket (held or not) to `task` of its workflow (ticket admins, admins): its unfinished tasks
    are cancelled, a hold ends, and the task starts as if a transition led there (input computed, assigned).

    422 (field `task`) for a key the workflow does not have, 409 for a completed or cancelled ticket; nothing is
    written then.
    """
    policy.require(actor, Action.TICKET_STEER)
    task, reason = task.strip(), reason.strip()
    if not task or len(task) > MAX_KEY:
        raise InvalidInput("Choose the task to move the ticket to", details=[{"field": "task", "message": "required"}])
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason is longer than {MAX_REASON} characters",
                           details=[{"field": "reason", "message": f"at most {MAX_REASON} characters"}])
    async with actor_tx(actor) as session:
        t = await load_ticket(session, actor, ticket_id, Action.TICKET_STEER)
        wi = await _runtime.lock_workflow(session, t.workflow_instance_id)
        before = {"status": wi.w_status.value, "hold_reason": wi.hold_reason}
        created, cancelled = await _steer.move_workflow(session, wi, task)
        await _runtime.touch_ticket(session, wi.id or 0)
        new = created.task
        task_def = await _cache.task_definition(session, actor.company_id, new.task_definition_id)
        await audit.record(session, actor, entity="ticket", entity_id=t.id or 0, action="moved", before=before,
                           after={"status": wi.w_status.value, "task": task, "task_id": new.id,
                                  "cancelled": cancelled, "reason": reason or None})
        return MovedDTO(ticket_id=t.id or 0, workflow_status=wi.w_status.value, cancelled=cancelled,
                        task=TaskRefDTO(id=new.id or 0, key=task_def.key, title=task_def.title,
                                        type=task_def.t_type.value, status=new.t_status.value,
                                        assignee_id=new.assigned_to, assignee_email=created.assignee_email))

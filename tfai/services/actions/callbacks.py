"""Actions for people and callers: ASYNC callbacks and the company's webhook secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text

from tfai.db.session import tenant_tx
from tfai.db.tables.common import utcnow
from tfai.domain import policy, webhooks
from tfai.domain.errors import Conflict, InvalidInput, NotFound
from tfai.domain.expressions import ExpressionError
from tfai.domain.lifecycle import TaskStatus
from tfai.domain.limits import MAX_TOKEN
from tfai.domain.policy import Action, Actor
from tfai.domain.tokens import hash_token
from tfai.services.common import audit, tenant_code
from tfai.services.common.tx import actor_tx
from tfai.services.workflow import _actions, _runtime


class CallbackRejected(InvalidInput):
    """The callback arrived but its body does not produce a valid output; the task is now in ERROR."""


async def _lookup(token: str) -> tuple[int, int, int, datetime, datetime | None]:
    if not token or len(token) > MAX_TOKEN:
        raise NotFound("Unknown or expired callback")
    async with tenant_tx(None) as session:
        row = (await session.execute(text("SELECT * FROM tfai_callback_lookup(:h)"),
                                     {"h": hash_token(token)})).first()
    if row is None or row.expires_at <= utcnow():
        raise NotFound("Unknown or expired callback")
    return int(row.token_id), int(row.company_id), int(row.task_instance_id), row.expires_at, row.used_at


async def handle_callback(token: str, body: Any) -> None:
    """Consume the single-use token and complete the ASYNC task with output_transform(callback).

    NotFound: unknown or expired token. Conflict: used token, or the task no longer waits.
    CallbackRejected: the body does not fit (the task goes to ERROR, the token is spent).
    """
    token_id, company_id, task_id, _, used_at = await _lookup(token)
    if used_at is not None:
        raise Conflict("This callback was already used")
    failure: str | None = None
    async with tenant_tx(company_id) as session:
        spent = (await session.execute(text(
            "UPDATE callback_tokens SET used_at = now() WHERE id = :id AND used_at IS NULL AND expires_at > now() "
            "RETURNING id"), {"id": token_id})).first()
        if spent is None:
            raise Conflict("This callback was already used")
        task, task_def = await _actions.locked_action(session, task_id)
        if task.t_status != TaskStatus.IN_PROGRESS:
            raise Conflict("The task no longer waits for a callback")
        data = (await session.execute(text("SELECT workflow_data FROM workflow_instances WHERE id = :wid"),
                                      {"wid": task.call_workflow_id or task.workflow_instance_id})).scalar_one()
        try:
            output = await tenant_code.callback_result(task_def.output_transform, dict(data or {}),
                                                       input=task.input_data, callback=body,
                                                       company_id=company_id)
        except ExpressionError as exc:
            failure = f"the callback's output_transform failed: {exc.message}"
            await _runtime.fail_task(session, task, task_def, failure)
        else:
            failure = await _actions.complete_action(session, task, task_def, output)
    if failure is not None:  # the token stays spent and the task failed: both committed
        raise CallbackRejected(failure, details=[{"field": "", "message": failure}])


async def get_webhook_secret(actor: Actor) -> str:
    """The company's signing secret for outbound action requests (the company's own admins, never staff)."""
    policy.require(actor, Action.WEBHOOK_SECRET)
    async with actor_tx(actor) as session:
        row = (await session.execute(text("SELECT webhook_secret FROM companies WHERE id = :id"),
                                     {"id": actor.company_id})).first()
    if row is None:
        raise NotFound("Company not found")
    return str(row[0])


async def rotate_webhook_secret(actor: Actor) -> str:
    """Replace the signing secret (requests are signed with the new one from now on); the new secret."""
    policy.require(actor, Action.WEBHOOK_SECRET)
    secret = webhooks.new_secret()
    async with actor_tx(actor) as session:
        result = await session.execute(text("UPDATE companies SET webhook_secret = :s WHERE id = :id"),
                                       {"s": secret, "id": actor.company_id})
        if not getattr(result, "rowcount", 0):
            raise NotFound("Company not found")
        await audit.record(session, actor, entity="company", entity_id=actor.company_id,
                           action="webhook_secret_rotated", after={"secret": "(rotated)"})
    return secret

"""Action tasks in the caller's transaction: the worker's claim (with its lease), completion and failure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.tables import TaskDefinition, TaskInstance, TaskType
from tfai.domain.errors import Conflict, InvalidInput, NotFound
from tfai.domain.lifecycle import TaskEvent, TaskStatus, next_task_status, sql_value
from tfai.domain.limits import SYNC_TIMEOUT_MAX
from tfai.domain.schema_check import output_mismatch
from tfai.services.definitions import _cache
from tfai.services.workflow._runtime import advance, fail_task, lock_task

LEASE_GRACE_SECONDS = 15
ASYNC_REQUEST_TIMEOUT = 30
_REQUEST_TIMEOUT_SQL = ("least(coalesce(d.timeout_seconds, 30), "
                        f"CASE WHEN d.t_type = 'SYNC_ACTION' THEN {SYNC_TIMEOUT_MAX} ELSE {ASYNC_REQUEST_TIMEOUT} END)")
_ASYNC_DELIVERED_SQL = ("d.t_type = 'ASYNC_ACTION' AND EXISTS (SELECT 1 FROM action_attempts a "
                        "WHERE a.task_instance_id = t.id AND a.error IS NULL AND a.finished_at >= t.started_at)")
_CLAIMED = next_task_status(TaskStatus.PENDING, TaskEvent.CLAIM)

# A waiting task, or one whose worker died: claimed (IN_PROGRESS) past its request timeout plus a grace, and for
# ASYNC actions only while no request was delivered (a delivered one waits for its callback, not for a worker).
# One statement: the claim, closing the attempt a dead worker left open, the new attempt's row, and what the request
# needs (sibling CTEs see the snapshot before the statement, so the new attempt is not closed by its neighbour).
_CLAIM = text(f"""
WITH claimed AS (
  UPDATE task_instances t SET t_status = {sql_value(_CLAIMED)}, attempts = t.attempts + 1, started_at = now()
  FROM task_definitions d
  WHERE t.id = :tid AND d.id = t.task_definition_id AND d.t_type IN ('SYNC_ACTION', 'ASYNC_ACTION')
    AND (t.t_status = {sql_value(TaskStatus.PENDING)}
         OR (t.t_status = {sql_value(_CLAIMED)} AND NOT ({_ASYNC_DELIVERED_SQL})
             AND t.started_at < now() - make_interval(secs => {_REQUEST_TIMEOUT_SQL} + :grace)))
  RETURNING t.id, t.company_id, t.attempts, t.input_data, t.workflow_instance_id, t.call_workflow_id, d.t_type,
            d.title, d.action_url,
            d.timeout_seconds, d.output_transform
), stopped AS (
  UPDATE action_attempts a SET finished_at = now(), error = 'the worker stopped during this attempt'
  FROM claimed c WHERE a.task_instance_id = c.id AND a.finished_at IS NULL
), attempt AS (
  INSERT INTO action_attempts (company_id, task_instance_id, attempt, webhook_id)
  SELECT c.company_id, c.id, c.attempts, :wid FROM claimed c RETURNING id
)
SELECT c.attempts, c.input_data, c.t_type, c.title, c.action_url, c.timeout_seconds, c.output_transform,
       w.workflow_data, co.webhook_secret, (SELECT id FROM attempt) AS attempt_id
FROM claimed c JOIN workflow_instances w ON w.id = coalesce(c.call_workflow_id, c.workflow_instance_id)
JOIN companies co ON co.id = c.company_id
""")


async def claim(session: AsyncSession, task_id: int, *, webhook_id: str) -> Row[Any] | None:
    """Take an action task for this worker (a conditional UPDATE: a retried job never runs twice) and open its
    attempt; the attempt with what its request needs, or None when someone else has it or it no longer waits."""
    return (await session.execute(_CLAIM, {"tid": task_id, "grace": LEASE_GRACE_SECONDS, "wid": webhook_id})).first()


async def locked_action(session: AsyncSession, task_id: int) -> tuple[TaskInstance, TaskDefinition]:
    """The action task locked, with its definition; NotFound when missing, Conflict when it is a FORM."""
    task = await lock_task(session, task_id)
    if task is None:
        raise NotFound("Task not found")
    task_def = await _cache.task_definition(session, task.company_id, task.task_definition_id)
    if task_def.t_type == TaskType.FORM:
        raise Conflict("Only action tasks are completed by the action runner")
    return task, task_def


async def complete_action(session: AsyncSession, task: TaskInstance, task_def: TaskDefinition,
                          output: dict[str, Any]) -> str | None:
    """Complete a locked action task and advance; an output that does not fit the output schema fails the task
    instead. The failure, or None when it completed. Conflict when the task no longer waits."""
    try:
        await advance(session, None, task, output)
    except InvalidInput as exc:  # raised by the output check, before advance wrote anything
        failure = output_mismatch(exc)
        await fail_task(session, task, task_def, failure)
        return failure
    return None

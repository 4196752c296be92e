"""The action worker's claim, attempts and results: the output advances the workflow, a failure holds it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.session import tenant_tx
from tfai.domain.limits import MAX_REASON
from tfai.services.common import tenant_code
from tfai.services.workflow._actions import claim, complete_action, locked_action
from tfai.services.workflow._runtime import fail_task

_FINISH_ATTEMPT = text("UPDATE action_attempts SET finished_at = now(), status_code = :code, duration_ms = :ms, "
                       "error = :err WHERE id = :id")


@dataclass(frozen=True)
class Attempt:
    """How one request went: the attempt's row, the answer's status (None: no answer), its duration and error."""

    attempt_id: int
    status_code: int | None
    duration_ms: int
    error: str | None = None


async def _record(session: AsyncSession, attempt: Attempt | None) -> None:
    if attempt is not None:
        await session.execute(_FINISH_ATTEMPT, {"code": attempt.status_code, "ms": attempt.duration_ms,
                                                "err": attempt.error[:MAX_REASON] if attempt.error else None,
                                                "id": attempt.attempt_id})


async def claim_action(company_id: int, task_id: int, *, webhook_id: str) -> Row[Any] | None:
    """Claim the action task and open its attempt in one statement; what the request needs, or None when another
    worker has it or it no longer waits."""
    async with tenant_tx(company_id) as session:
        return await claim(session, task_id, webhook_id=webhook_id)


async def record_attempt(company_id: int, *, attempt: Attempt) -> None:
    """Record how an attempt went when no outcome is written with it (a retry follows, or an ASYNC request was
    delivered and the task waits for its callback)."""
    async with tenant_tx(company_id) as session:
        await _record(session, attempt)


async def sync_output(output_transform: str | None, workflow_data: Mapping[str, Any], *,
                      input: Mapping[str, Any] | None, response: Mapping[str, Any]) -> Any:  # noqa: A002
    """A SYNC_ACTION's output from its response {status, headers, body}: the output_transform (without one, the
    body), run in the worker under the same bound as in the web process; ExpressionError when it fails."""
    return await tenant_code.action_output(output_transform, workflow_data, input=input, response=response)


async def complete_action_task(company_id: int, task_id: int, *, output: dict[str, Any],
                               attempt: Attempt | None = None) -> None:
    """Complete an action task and advance its workflow (with the attempt that produced the output); an output
    violating the task's output_schema fails the task instead. Conflict when the task no longer waits, NotFound
    when it is not the company's: nothing is written then, the attempt included."""
    async with tenant_tx(company_id) as session:
        task, task_def = await locked_action(session, task_id)
        await _record(session, attempt)
        await complete_action(session, task, task_def, output)


async def fail_action_task(company_id: int, task_id: int, *, error: str, attempt: Attempt | None = None) -> None:
    """Fail an action task (ERROR) and hold its workflow with the error as reason (with the attempt that failed).
    Conflict when the task no longer waits, NotFound when it is not the company's: nothing is written then."""
    async with tenant_tx(company_id) as session:
        task, task_def = await locked_action(session, task_id)
        await _record(session, attempt)
        await fail_task(session, task, task_def, error or "the action failed")

"""What the action worker reports: an action task's output (the workflow advances) or its failure (it holds)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tfai.db.session import tenant_tx
from tfai.services.common import tenant_code
from tfai.services.workflow._actions import complete_action, locked_action
from tfai.services.workflow._runtime import fail_task


async def sync_output(output_transform: str | None, workflow_data: Mapping[str, Any], *,
                      input: Mapping[str, Any] | None, response: Mapping[str, Any]) -> Any:  # noqa: A002
    """A SYNC_ACTION's output from its response {status, headers, body}: the output_transform (without one, the
    body), run in the worker under the same bound as in the web process; ExpressionError when it fails."""
    return await tenant_code.action_output(output_transform, workflow_data, input=input, response=response)


async def complete_action_task(company_id: int, task_id: int, *, output: dict[str, Any]) -> None:
    """Complete an action task and advance its workflow; an output violating the task's output_schema fails the
    task instead. Conflict when the task no longer waits, NotFound when it is not the company's."""
    async with tenant_tx(company_id) as session:
        task, task_def = await locked_action(session, task_id)
        await complete_action(session, task, task_def, output)


async def fail_action_task(company_id: int, task_id: int, *, error: str) -> None:
    """Fail an action task (ERROR) and hold its workflow with the error as reason. Conflict when the task no
    longer waits, NotFound when it is not the company's."""
    async with tenant_tx(company_id) as session:
        task, task_def = await locked_action(session, task_id)
        await fail_task(session, task, task_def, error or "the action failed")

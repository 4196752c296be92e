"""What a company still needs so that no work dead-ends: the first-steps checklist and tasks no one can take."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import text

from tfai.domain.lifecycle import ACTIVE_WORKFLOW, TaskStatus, sql_in, sql_value
from tfai.domain.policy import Action, Actor, require
from tfai.services.common.tx import actor_tx

# Computed from the data on every look, so there is nothing to keep in step: each step is done once it happened.
# Waiting: a FORM task nobody holds (PENDING, unassigned) of an unfinished ticket, i.e. no available worker had room.
_STATE = text(f"""
SELECT
  EXISTS (SELECT 1 FROM users u JOIN user_system_roles r ON r.user_id = u.id AND r.role = 'task_worker'
           WHERE u.is_active AND u.id <> :uid) AS has_worker,
  EXISTS (SELECT 1 FROM workflow_definitions) AS has_workflow,
  EXISTS (SELECT 1 FROM ticket_instances) AS has_ticket,
  (SELECT count(*) FROM task_instances k JOIN task_definitions d ON d.id = k.task_definition_id
     JOIN workflow_instances w ON w.id = k.workflow_instance_id
    WHERE k.t_status = {sql_value(TaskStatus.PENDING)} AND k.assigned_to IS NULL AND d.t_type = 'FORM'
      AND w.w_status IN {sql_in(ACTIVE_WORKFLOW)}) AS waiting,
  (SELECT count(*) FROM users u JOIN user_system_roles r ON r.user_id = u.id AND r.role = 'task_worker'
    WHERE u.is_active AND u.available) AS available_workers
""")


class StepDTO(BaseModel):
    """One first step: what to do, whether it is done, and the page that does it."""

    key: str
    title: str
    done: bool
    href: str


class GettingStartedDTO(BaseModel):
    """The admin's view of what keeps work from flowing."""

    steps: list[StepDTO] = Field(description="The first-steps checklist; empty once every step is done")
    waiting_tasks: int = Field(description="Form tasks that wait because no available worker could take them")
    available_workers: int


async def getting_started(actor: Actor) -> GettingStartedDTO:
    """The checklist (invite a worker, add or draft a workflow, submit a first ticket) until done, and the count
    of tasks waiting for a worker (admins: they can make someone a worker or available, or take the task)."""
    require(actor, Action.USER_MANAGE)
    async with actor_tx(actor) as session:
        row = (await session.execute(_STATE, {"uid": actor.user_id})).mappings().one()
    steps = [
        StepDTO(key="invite_worker", title="Invite a colleague as a task worker", done=bool(row["has_worker"]),
                href="/admin/users"),
        StepDTO(key="add_workflow", title="Add a workflow, or draft one with the assistant",
                done=bool(row["has_workflow"]), href="/assistant"),
        StepDTO(key="first_ticket", title="Submit a first ticket", done=bool(row["has_ticket"]), href="/tickets/new"),
    ]
    return GettingStartedDTO(steps=[] if all(s.done for s in steps) else steps,
                             waiting_tasks=int(row["waiting"]), available_workers=int(row["available_workers"]))

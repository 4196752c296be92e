"""The home page's counts: my open tickets and tasks, and the company's for those who may list them."""

from __future__ import annotations

from sqlalchemy import text

from tfai.domain.lifecycle import ACTIVE_WORKFLOW, COUNTED_TASK, OPEN_TASK, sql_in
from tfai.domain.policy import Action, Actor, allowed
from tfai.services.accounts._me import load_me
from tfai.services.accounts.dto import DashboardDTO
from tfai.services.common.tx import actor_tx

_COUNTS = text(f"""
SELECT
  (SELECT count(*) FROM ticket_instances t JOIN workflow_instances w ON w.id = t.workflow_instance_id
    WHERE t.created_by = :uid AND w.w_status IN {sql_in(ACTIVE_WORKFLOW)}) AS my_open_tickets,
  (SELECT count(*) FROM task_instances k WHERE k.assigned_to = :uid
    AND k.t_status IN {sql_in(COUNTED_TASK)}) AS my_open_tasks,
  (SELECT count(*) FROM ticket_instances t JOIN workflow_instances w ON w.id = t.workflow_instance_id
    WHERE w.w_status IN {sql_in(ACTIVE_WORKFLOW)}) AS company_open_tickets,
  (SELECT count(*) FROM task_instances k WHERE k.t_status IN {sql_in(OPEN_TASK)})
    AS company_open_tasks
""")


async def dashboard(actor: Actor) -> DashboardDTO:
    """Me plus counts; company-wide counts only for those who may list the company's tickets."""
    async with actor_tx(actor) as session:
        me = await load_me(session, actor)
        counts = (await session.execute(_COUNTS, {"uid": actor.user_id})).mappings().one()
    company = allowed(actor, Action.TICKET_LIST_COMPANY)
    return DashboardDTO(me=me, my_open_tickets=counts["my_open_tickets"], my_open_tasks=counts["my_open_tasks"],
                        company_open_tickets=counts["company_open_tickets"] if company else None,
                        company_open_tasks=counts["company_open_tasks"] if company else None)

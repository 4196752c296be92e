"""What the action worker does to the database: claim tasks, record attempts, issue callback tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tfai.db.session import tenant_tx
from tfai.db.tables.common import utcnow
from tfai.domain import webhooks
from tfai.domain.lifecycle import TaskStatus, sql_value
from tfai.domain.limits import SYNC_TIMEOUT_MAX
from tfai.domain.tokens import hash_token, new_token
from tfai.services.workflow import action_results
from tfai.services.workflow._actions import ASYNC_REQUEST_TIMEOUT, LEASE_GRACE_SECONDS
from tfai.settings import get_settings


@dataclass(frozen=True)
class ActionJob:
    """One claimed action task, with everything the request needs (read once at the claim)."""

    company_id: int
    task_id: int
    attempt: int
    kind: str
    title: str
    action_url: str
    timeout_seconds: int
    request_timeout: int
    input: dict[str, Any]
    output_transform: str | None
    workflow_data: dict[str, Any]
    secret: str
    attempt_id: int = 0

    @property
    def is_sync(self) -> bool:
        return self.kind == "SYNC_ACTION"


async def claim(company_id: int, task_id: int) -> ActionJob | None:
    """Take the task (PENDING, or IN_PROGRESS past its lease after a worker died); None: someone has it."""
    job = await action_results.claim_action(company_id, task_id, webhook_id=webhooks.webhook_id(
        company_id, task_id, key=get_settings().secret_key))
    if job is None:
        return None
    timeout = int(job.timeout_seconds or 30)
    limit = SYNC_TIMEOUT_MAX if job.t_type == "SYNC_ACTION" else ASYNC_REQUEST_TIMEOUT
    return ActionJob(company_id=company_id, task_id=task_id, attempt=int(job.attempts), kind=str(job.t_type),
                     title=job.title, action_url=job.action_url or "", timeout_seconds=timeout,
                     request_timeout=min(timeout, limit), input=dict(job.input_data or {}),
                     output_transform=job.output_transform, workflow_data=dict(job.workflow_data or {}),
                     secret=job.webhook_secret, attempt_id=int(job.attempt_id))


async def next_attempt(job: ActionJob) -> ActionJob | None:
    """Count and record the next attempt, fenced on the attempt number (None: another worker took over)."""
    async with tenant_tx(job.company_id) as session:
        row = (await session.execute(text(
            "UPDATE task_instances SET attempts = attempts + 1, started_at = now() "
            "WHERE id = :tid AND t_status = 'IN_PROGRESS' AND attempts = :n RETURNING attempts"),
            {"tid": job.task_id, "n": job.attempt})).first()
        if row is None:
            return None
        attempt_id = await _insert_attempt(session, job.company_id, job.task_id, int(row[0]))
    return ActionJob(**{**job.__dict__, "attempt": int(row[0]), "attempt_id": attempt_id})


async def _insert_attempt(session: AsyncSession, company_id: int, task_id: int, attempt: int) -> int:
    """Record that an attempt starts (finished_at stays empty if the worker dies during it)."""
    row = (await session.execute(text(
        "INSERT INTO action_attempts (company_id, task_instance_id, attempt, webhook_id) "
        "VALUES (:cid, :tid, :n, :wid) RETURNING id"),
        {"cid": company_id, "tid": task_id, "n": attempt,
         "wid": webhooks.webhook_id(company_id, task_id, key=get_settings().secret_key)})).one()
    return int(row[0])


async def new_callback_token(job: ActionJob) -> str:
    """A single-use callback token for the task (256 bits; only its SHA-256 is stored)."""
    token = new_token(32)
    async with tenant_tx(job.company_id) as session:
        await session.execute(text(
            "INSERT INTO callback_tokens (company_id, task_instance_id, token_hash, expires_at) "
            "VALUES (:cid, :tid, :h, :exp)"),
            {"cid": job.company_id, "tid": job.task_id, "h": hash_token(token),
             "exp": utcnow() + timedelta(seconds=job.timeout_seconds)})
    return token


# --- the relay and the sweeps (cross-tenant reads go through SECURITY DEFINER functions) -------------

async def pending_outbox(limit: int = 100) -> list[tuple[int, int, int]]:
    """Unpublished outbox rows as (outbox_id, company_id, task_id), oldest first."""
    async with tenant_tx(None) as session:
        rows = (await session.execute(text("SELECT * FROM tfai_outbox_pending(:n)"), {"n": limit})).all()
    return [(int(r.outbox_id), int(r.company_id), int(r.task_instance_id)) for r in rows]


async def mark_published(company_id: int, outbox_ids: list[int]) -> int:
    """Mark rows published (only those still unpublished); how many were marked."""
    async with tenant_tx(company_id) as session:
        result = await session.execute(text(
            "UPDATE outbox SET published_at = now(), publish_attempts = publish_attempts + 1 "
            "WHERE id = ANY(:ids) AND published_at IS NULL"), {"ids": outbox_ids})
    return int(getattr(result, "rowcount", 0) or 0)


async def settle_outbox(company_id: int, outbox_ids: list[int]) -> list[int]:
    """Mark the rows whose task already left PENDING (its message arrived: nothing to send); the ids still waiting."""
    async with tenant_tx(company_id) as session:
        taken = set((await session.execute(text(
            "UPDATE outbox o SET published_at = now() FROM task_instances t "
            "WHERE o.id = ANY(:ids) AND o.published_at IS NULL AND t.id = o.task_instance_id "
            f"AND t.t_status <> {sql_value(TaskStatus.PENDING)} RETURNING o.id"), {"ids": outbox_ids})).scalars())
        waiting = set((await session.execute(text(
            "SELECT id FROM outbox WHERE id = ANY(:ids) AND published_at IS NULL"), {"ids": outbox_ids})).scalars())
    return [i for i in outbox_ids if i in waiting and i not in taken]


async def note_publish_failure(company_id: int, outbox_ids: list[int]) -> None:
    async with tenant_tx(company_id) as session:
        await session.execute(text(
            "UPDATE outbox SET publish_attempts = publish_attempts + 1 "
            "WHERE id = ANY(:ids) AND published_at IS NULL"), {"ids": outbox_ids})


async def overdue_callbacks(limit: int = 100) -> list[tuple[int, int]]:
    """(company_id, task_id) of ASYNC tasks whose callback is overdue (no unexpired token left)."""
    async with tenant_tx(None) as session:
        rows = (await session.execute(text("SELECT * FROM tfai_overdue_callbacks(:n)"), {"n": limit})).all()
    out: list[tuple[int, int]] = []
    for cid, tid in {(int(r.company_id), int(r.task_instance_id)) for r in rows}:
        async with tenant_tx(cid) as session:
            alive = (await session.execute(text(
                "SELECT 1 FROM callback_tokens WHERE task_instance_id = :tid AND used_at IS NULL "
                "AND expires_at > now() LIMIT 1"), {"tid": tid})).first()
        if alive is None:
            out.append((cid, tid))
    return sorted(out)


async def stale_actions(*, grace: int = LEASE_GRACE_SECONDS, lost_after: int = 600,
                        limit: int = 100) -> list[tuple[int, int]]:
    """(company_id, task_id) of action tasks a dead worker or a lost message left behind."""
    async with tenant_tx(None) as session:
        rows = (await session.execute(text("SELECT * FROM tfai_stale_actions(:g, :l, :n)"),
                                      {"g": grace, "l": lost_after, "n": limit})).all()
    return [(int(r.company_id), int(r.task_instance_id)) for r in rows]

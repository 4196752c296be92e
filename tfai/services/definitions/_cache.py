"""In-process caches of definitions: immutable versions by id, and the newest ticket type per (company, key)
checked against a per-company Redis generation that every save replaces (so other processes see a save at once)."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from tfai.db.tables import TaskDefinition, TicketDefinition, WorkflowDefinition
from tfai.domain.bundle import Workflow
from tfai.domain.errors import NotFound
from tfai.redis_client import get_async_redis
from tfai.services.definitions._store import workflow_tasks

MAX_ENTRIES = 512
GENERATION_PREFIX = "tfai:definitions:generation:"
_M = TypeVar("_M", bound=SQLModel)


@dataclass(frozen=True)
class WorkflowVersion:
    """One stored workflow version: its row, the parsed engine model and its tasks (key -> row), all detached."""

    row: WorkflowDefinition
    model: Workflow
    tasks: dict[str, TaskDefinition]


class _Lru(OrderedDict[tuple[int, Any], Any]):
    def get_hit(self, key: tuple[int, Any]) -> Any:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key: tuple[int, Any], value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > MAX_ENTRIES:
            self.popitem(last=False)


_workflows = _Lru()
_task_defs = _Lru()
# (company_id, ticket type key) -> (generation it was read under, detached newest row, its workflow's newest id).
_newest_types = _Lru()


def _detached(model: type[_M], row: _M) -> _M:
    """A copy not attached to any session (never add it to one)."""
    return model.model_validate(row.model_dump())


def clear() -> None:
    """Forget everything (tests; a process that deletes definitions)."""
    _workflows.clear()
    _task_defs.clear()
    _newest_types.clear()


async def _generation(company_id: int) -> str | None:
    raw = await get_async_redis().get(GENERATION_PREFIX + str(int(company_id)))
    return raw.decode() if isinstance(raw, bytes) else raw


async def definitions_saved(company_id: int) -> None:
    """Call after a transaction that stored definitions of the company has committed: every process's newest-type
    entries of that company stop matching. A random value, not a counter, so a flushed Redis cannot bring an old
    generation back."""
    await get_async_redis().set(GENERATION_PREFIX + str(int(company_id)), secrets.token_hex(8))


async def workflow_version(session: AsyncSession, company_id: int, workflow_definition_id: int) -> WorkflowVersion:
    """The workflow version by id (of the session's company: the first load runs under row-level security)."""
    key = (company_id, workflow_definition_id)
    hit = _workflows.get_hit(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    row = await session.get(WorkflowDefinition, workflow_definition_id)
    if row is None or row.company_id != company_id:
        raise NotFound("Workflow definition not found")
    rows = await workflow_tasks(session, workflow_definition_id)
    tasks = {k: _detached(TaskDefinition, t) for k, t in rows.items()}
    version = WorkflowVersion(row=_detached(WorkflowDefinition, row), model=Workflow.model_validate(row.bundle),
                              tasks=tasks)
    _workflows.put(key, version)
    for task in tasks.values():
        if task.id is not None:
            _task_defs.put((company_id, task.id), task)
    return version


async def task_definition(session: AsyncSession, company_id: int, task_definition_id: int) -> TaskDefinition:
    """A task definition by id (detached copy; read it, never add it to a session)."""
    hit = _task_defs.get_hit((company_id, task_definition_id))
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    row = await session.get(TaskDefinition, task_definition_id)
    if row is None or row.company_id != company_id:
        raise NotFound("Task definition not found")
    copy = _detached(TaskDefinition, row)
    _task_defs.put((company_id, task_definition_id), copy)
    return copy


async def newest_ticket_type(session: AsyncSession, company_id: int,
                             key: str) -> tuple[TicketDefinition, int | None] | None:
    """The newest version of a ticket type (a detached copy: read it, never add it to a session) and the id of its
    workflow's newest version (None when missing), one query on a miss; None when the type does not exist (not
    cached). A hit needs the company's generation unchanged since the read (one Redis GET)."""
    generation = await _generation(company_id)  # read before the query: a save committing meanwhile changes it
    hit = _newest_types.get_hit((company_id, key))
    if hit is not None and hit[0] == generation:
        return hit[1], hit[2]
    newest_wf = (select(col(WorkflowDefinition.id))
                 .where(col(WorkflowDefinition.key) == col(TicketDefinition.workflow_key))
                 .order_by(col(WorkflowDefinition.version).desc()).limit(1)
                 .correlate(TicketDefinition).scalar_subquery())
    stmt = (select(TicketDefinition, newest_wf).where(col(TicketDefinition.key) == key)
            .order_by(col(TicketDefinition.version).desc()).limit(1))
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    found = (_detached(TicketDefinition, row[0]), None if row[1] is None else int(row[1]))
    if found[1] is not None:  # a type whose workflow is missing is not cached (saving the workflow fixes it)
        _newest_types.put((company_id, key), (generation, *found))
    return found

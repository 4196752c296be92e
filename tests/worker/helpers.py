"""Helpers for action tests: bundles aimed at the local server, bounded waits, reading rows as the owner."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg

from tests.domain.helpers import example
from tests.fixtures.tenants import Tenant
from tests.worker.external import ExternalServer
from tfai.services.definitions.bundles import save_bundle

T = TypeVar("T")


async def wait_for(probe: Callable[[], T | Awaitable[T]], *, within: float = 30, what: str = "condition") -> T:
    """Poll until probe() is truthy (bounded); return its value."""
    deadline = asyncio.get_running_loop().time() + within
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = probe()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last  # type: ignore[no-any-return]
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last value: {last!r}")


def aim(bundle: dict[str, Any], server: ExternalServer, **overrides: dict[str, Any]) -> dict[str, str]:
    """Point every action_url at the server under a fresh prefix; task key -> server path."""
    prefix = f"/t{uuid.uuid4().hex[:10]}"
    paths: dict[str, str] = {}
    for task in bundle["workflow"]["tasks"]:
        if task.get("action_url"):
            path = prefix + (urlsplit(task["action_url"]).path or "/")
            task["action_url"] = server.url + path
            paths[task["key"]] = path
        task.update(overrides.get(task["key"], {}))
    return paths


async def install(tenant: Tenant, name: str, server: ExternalServer,
                  **overrides: dict[str, Any]) -> dict[str, str]:
    bundle = example(name)
    paths = aim(bundle, server, **overrides)
    await save_bundle(tenant.designer.actor, bundle)
    return paths


def row(owner: psycopg.Connection, sql: str, *args: Any) -> dict[str, Any] | None:
    cur = owner.execute(sql, args)
    names = [c.name for c in cur.description or []]
    found = cur.fetchone()
    return dict(zip(names, found, strict=True)) if found else None


def task(owner: psycopg.Connection, task_id: int) -> dict[str, Any]:
    found = row(owner, "SELECT t.*, d.key FROM task_instances t JOIN task_definitions d "
                       "ON d.id = t.task_definition_id WHERE t.id = %s", task_id)
    assert found is not None
    return found


def current_task(owner: psycopg.Connection, ticket_id: int) -> dict[str, Any] | None:
    return row(owner, "SELECT t.*, d.key FROM task_instances t JOIN task_definitions d ON d.id = t.task_definition_id "
                      "JOIN ticket_instances k ON k.workflow_instance_id = t.workflow_instance_id "
                      "WHERE k.id = %s ORDER BY t.id DESC LIMIT 1", ticket_id)


def workflow(owner: psycopg.Connection, ticket_id: int) -> dict[str, Any]:
    found = row(owner, "SELECT w.* FROM workflow_instances w JOIN ticket_instances k ON k.workflow_instance_id = w.id "
                       "WHERE k.id = %s", ticket_id)
    assert found is not None
    return found


def attempts(owner: psycopg.Connection, task_id: int) -> list[dict[str, Any]]:
    cur = owner.execute("SELECT * FROM action_attempts WHERE task_instance_id = %s ORDER BY id", (task_id,))
    names = [c.name for c in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


async def settled(owner: psycopg.Connection, task_id: int, *, within: float = 30) -> dict[str, Any]:
    """Wait until the action task is COMPLETED or ERROR; the row."""
    def probe() -> dict[str, Any] | None:
        found = task(owner, task_id)
        return found if found["t_status"] in ("COMPLETED", "ERROR") else None

    return await wait_for(probe, within=within, what=f"task {task_id} to finish")

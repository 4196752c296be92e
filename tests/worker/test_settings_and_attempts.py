"""The webhook secret (admins see and rotate it), attempt history access, and action health."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import psycopg
import pytest

from tests.fixtures.actions import install_aimed, settled
from tests.fixtures.db_rows import current_task
from tests.fixtures.external_server import ExternalServer, Reply
from tests.fixtures.tenants import Member, World
from tests.fixtures.workers import WorkerPool
from tfai.domain.errors import Forbidden, NotFound
from tfai.domain.webhooks import verify
from tfai.observability import health
from tfai.services.actions import callbacks
from tfai.services.tasks import work
from tfai.services.tickets import submission

Headers = Callable[[Member], dict[str, str]]


def secret_of(owner: psycopg.Connection, company_id: int) -> str:
    return str(owner.execute("SELECT webhook_secret FROM companies WHERE id = %s",
                             (company_id,)).fetchone()[0])  # type: ignore[index]


async def test_admin_sees_and_rotates_the_secret_over_the_api(world: World, owner: psycopg.Connection,
                                                              api: httpx.AsyncClient, auth_headers: Headers) -> None:
    a, b = world.a, world.b
    resp = await api.get("/api/v1/company/webhook-secret", headers=auth_headers(a.admin))
    assert resp.status_code == 200 and resp.json() == {"secret": secret_of(owner, a.company_id)}
    b_before = secret_of(owner, b.company_id)
    rotated = await api.post("/api/v1/company/webhook-secret/rotate", headers=auth_headers(a.admin))
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new == secret_of(owner, a.company_id)
    assert secret_of(owner, b.company_id) == b_before
    audit = owner.execute("SELECT actor_user_id, after FROM audit_log WHERE company_id = %s "
                          "AND action = 'webhook_secret_rotated'", (a.company_id,)).fetchall()
    assert audit == [(a.admin.id, {"secret": "(rotated)"})]


@pytest.mark.parametrize("role", ["ticket_admin", "designer", "worker1", "requester"])
async def test_non_admins_cannot_see_or_rotate_the_secret(world: World, owner: psycopg.Connection,
                                                          api: httpx.AsyncClient, auth_headers: Headers,
                                                          role: str) -> None:
    a = world.a
    before = secret_of(owner, a.company_id)
    member = a.members[role]
    assert (await api.get("/api/v1/company/webhook-secret", headers=auth_headers(member))).status_code == 403
    assert (await api.post("/api/v1/company/webhook-secret/rotate",
                           headers=auth_headers(member))).status_code == 403
    assert secret_of(owner, a.company_id) == before
    with pytest.raises(Forbidden):
        await callbacks.rotate_webhook_secret(member.actor)


async def test_secret_endpoints_need_a_login(api: httpx.AsyncClient, stack: object) -> None:
    assert (await api.get("/api/v1/company/webhook-secret")).status_code == 401
    assert (await api.post("/api/v1/company/webhook-secret/rotate")).status_code == 401


async def test_requests_are_signed_with_the_rotated_secret(world: World, owner: psycopg.Connection,
                                                           external: ExternalServer, workers: WorkerPool) -> None:
    a = world.a
    new = await callbacks.rotate_webhook_secret(a.admin.actor)
    assert await callbacks.get_webhook_secret(a.admin.actor) == new
    paths = await install_aimed(a, "expense-reimbursement.json", external)
    external.respond(paths["check_policy"], Reply(body={"compliant": False, "rule": "R9"}))
    created = await submission.submit_ticket(a.requester.actor, ticket_type="expense",
                                          data={"amount": 50, "currency": "EUR", "category": "meals",
                                                "description": "x"})
    first = current_task(owner, created.id)
    assert first is not None
    assert (await settled(owner, first["id"]))["t_status"] == "COMPLETED"
    [seen] = external.requests(paths["check_policy"])
    verify(new, seen.headers, seen.body)


async def test_attempts_show_on_the_task_with_webhook_ids_in_its_company_only(
        world: World, owner: psycopg.Connection, external: ExternalServer, workers: WorkerPool) -> None:
    b = world.b
    paths = await install_aimed(b, "expense-reimbursement.json", external)
    external.respond(paths["check_policy"], Reply(body={"compliant": False}))
    created = await submission.submit_ticket(b.requester.actor, ticket_type="expense",
                                          data={"amount": 50, "currency": "EUR", "category": "meals",
                                                "description": "x"})
    first = current_task(owner, created.id)
    assert first is not None
    await settled(owner, first["id"])
    mine = (await work.get_task(b.ticket_admin.actor, first["id"])).action_attempts
    assert [(x.attempt, x.status_code) for x in mine] == [(1, 200)]
    assert mine[0].webhook_id is not None and mine[0].webhook_id.startswith("msg_")
    assert len((await work.get_task(b.admin.actor, first["id"])).action_attempts) == 1
    for other in (world.a.admin, world.a.ticket_admin):
        with pytest.raises(NotFound):
            await work.get_task(other.actor, first["id"])


async def test_health_sees_a_live_worker_and_the_backlog(workers: WorkerPool) -> None:
    assert await health.live_workers() >= 1
    assert isinstance(await health.outbox_backlog(), int)

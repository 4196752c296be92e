"""With private networks off in the worker, refused targets end the task in ERROR with a clear reason."""

from __future__ import annotations

import psycopg

from tests.fixtures.actions import install_aimed, settled
from tests.fixtures.db_rows import attempts, current_task, workflow_of_ticket
from tests.fixtures.external_server import ExternalServer, Reply
from tests.fixtures.tenants import World
from tests.fixtures.workers import WorkerPool
from tfai.services.tickets import submission

TARGETS = [
    ("https://127.0.0.1/hook", "refused: 127.0.0.1 is a loopback address"),
    ("https://0x7f000001/hook", "refused: 0x7f000001 resolves to 127.0.0.1, a loopback address"),
    ("https://[::1]/hook", "refused: ::1 is a loopback address"),
    ("https://[::ffff:127.0.0.1]/hook", "IPv6 form of 127.0.0.1, a loopback address"),
    ("https://10.0.0.1/hook", "refused: 10.0.0.1 is a private address"),
    ("https://169.254.169.254/latest/meta-data", "refused: 169.254.169.254 is a link-local address"),
    ("https://100.64.0.1/hook", "refused: 100.64.0.1 is a carrier-grade NAT"),
    ("https://localhost/hook", "refused: localhost resolves to a loopback address"),
]


async def run_expense(world: World, owner: psycopg.Connection, external: ExternalServer,
                      url: str | None = None) -> tuple[int, dict[str, object]]:
    a = world.a
    overrides = {"check_policy": {"action_url": url}} if url else {}
    paths = await install_aimed(a, "expense-reimbursement.json", external, **overrides)
    if not url:
        external.respond(paths["check_policy"], Reply(status=307, headers={"Location": "http://127.0.0.1:9/x"}))
    created = await submission.submit_ticket(a.requester.actor, ticket_type="expense",
                                          data={"amount": 50, "currency": "EUR", "category": "meals",
                                                "description": "x"})
    first = current_task(owner, created.id)
    assert first is not None and first["key"] == "check_policy"
    return created.id, await settled(owner, first["id"])


async def test_refused_targets_error_the_task(world: World, owner: psycopg.Connection, external: ExternalServer,
                                              workers: WorkerPool) -> None:
    workers.kill_all()
    workers.start(allow_private=False)
    try:
        for url, message in TARGETS:
            ticket_id, done = await run_expense(world, owner, external, url)
            assert done["t_status"] == "ERROR" and done["attempts"] == 1, (url, done["error"])
            assert message in str(done["error"]), (url, done["error"])
            assert workflow_of_ticket(owner, ticket_id)["w_status"] == "ON_HOLD"
            [attempt] = attempts(owner, int(str(done["id"])))
            assert attempt["status_code"] is None and message in attempt["error"]
    finally:
        workers.kill_all()


async def test_a_redirect_errors_the_task_without_following_it(world: World, owner: psycopg.Connection,
                                                               external: ExternalServer,
                                                               workers: WorkerPool) -> None:
    ticket_id, done = await run_expense(world, owner, external)
    assert done["t_status"] == "ERROR" and done["attempts"] == 1
    assert "redirect (307)" in str(done["error"]) and "not followed" in str(done["error"])
    assert workflow_of_ticket(owner, ticket_id)["w_status"] == "ON_HOLD"

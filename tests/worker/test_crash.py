"""Crash safety: kill -9 a worker during a slow action; a new worker finishes the task exactly once."""

from __future__ import annotations

import signal

import psycopg

from tests.fixtures.actions import install_aimed, settled, wait_for
from tests.fixtures.db_rows import attempts, workflow_of_ticket
from tests.fixtures.external_server import ExternalServer, Reply
from tests.fixtures.tenants import World
from tests.fixtures.workers import WorkerPool
from tfai.services.tickets import submission


async def test_killed_worker_mid_request_then_new_worker_completes_once(
    world: World, owner: psycopg.Connection, external: ExternalServer, workers: WorkerPool,
) -> None:
    a = world.a
    workers.kill_all()
    first = workers.start()
    paths = await install_aimed(a, "expense-reimbursement.json", external, check_policy={"timeout_seconds": 3})
    external.respond(paths["check_policy"], Reply(delay=2.5, body={"compliant": True}), Reply(body={"compliant": True}))
    external.respond(paths["payout"], Reply(body={"payout_id": "P-1"}))
    created = await submission.submit_ticket(a.requester.actor, ticket_type="expense",
                                          data={"amount": 50, "currency": "EUR", "category": "meals",
                                                "description": "x"})
    task_id = int(owner.execute("SELECT max(id) FROM task_instances WHERE company_id = %s",
                                (a.company_id,)).fetchone()[0])  # type: ignore[index]
    await wait_for(lambda: external.requests(paths["check_policy"]), what="the slow request to arrive")
    workers.kill(first, signal.SIGKILL)
    assert first.poll() is not None
    workers.start()

    done = await settled(owner, task_id, within=90)
    assert done["t_status"] == "COMPLETED" and done["attempts"] == 2
    assert done["output_data"] == {"compliant": True, "rule": ""}
    await wait_for(lambda: workflow_of_ticket(owner, created.id)["w_status"] == "COMPLETED", what="the payout")
    seen = external.requests(paths["check_policy"])
    assert len(seen) == 2 and len({s.headers["webhook-id"] for s in seen}) == 1
    rows = attempts(owner, task_id)
    assert [r["attempt"] for r in rows] == [1, 2]
    assert rows[0]["error"] == "the worker stopped during this attempt" and rows[1]["error"] is None
    completed = owner.execute("SELECT count(*) FROM audit_log WHERE entity = 'task' AND entity_id = %s "
                              "AND action = 'completed'", (str(task_id),)).fetchone()
    assert completed == (1,)
    payouts = owner.execute("SELECT count(*) FROM task_instances t JOIN task_definitions d ON d.id = "
                            "t.task_definition_id WHERE t.workflow_instance_id = %s AND d.key = 'payout'",
                            (workflow_of_ticket(owner, created.id)["id"],)).fetchone()
    assert payouts == (1,)
    assert len(external.requests(paths["payout"])) == 1

"""Parallel branches and joins at run time: next=all splits, JOIN wait_for all/n, cancel_rest, branch ends, late
arrivals, steering a ticket with several active tasks, and concurrent completions (random interleavings)."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import workflow_of_ticket
from tests.fixtures.flows import active, bundle, complete, form, join, split_join, tasks_of
from tests.fixtures.tenants import World
from tfai.db.session import tenant_tx
from tfai.domain.errors import Conflict
from tfai.services.tickets import moving, submission, tracking
from tfai.services.workflow import _runtime


async def submit(actor: Any, data: dict[str, Any] | None = None, ticket_type: str = "par") -> int:
    created = await submission.submit_ticket(actor, ticket_type=ticket_type, data=data or {"n": 1})
    return created.id


async def test_a_split_starts_every_true_branch_and_the_join_waits_for_all(world: World,
                                                                          owner: psycopg.Connection) -> None:
    a = world.a
    doc = split_join()
    doc["workflow"]["transitions"][2]["condition"] = "ticket.n > 10"  # intake -> b2 only for big tickets
    await install(a, bundle=doc)
    ticket = await submit(a.requester.actor, {"n": 5})
    await complete(a, active(owner, ticket, "intake")[0])
    assert sorted(t["key"] for t in active(owner, ticket)) == ["b0", "b1"]
    assert await complete(a, active(owner, ticket, "b1")[0], {"ok": False}) == "IN_PROGRESS"
    pending = active(owner, ticket, "meet")
    assert len(pending) == 1 and pending[0]["status"] == "PENDING" and pending[0]["input_data"] == {"arrived": ["b1"]}
    assert active(owner, ticket, "done") == []
    await complete(a, active(owner, ticket, "b0")[0])
    meet = [t for t in tasks_of(owner, ticket) if t["key"] == "meet"]
    assert len(meet) == 1 and meet[0]["status"] == "COMPLETED" and meet[0]["output_data"] == {"arrived": ["b1", "b0"]}
    assert await complete(a, active(owner, ticket, "done")[0]) == "COMPLETED"
    data = workflow_of_ticket(owner, ticket)["workflow_data"]
    assert data["tasks"]["meet"] == {"arrived": ["b1", "b0"]} and data["tasks"]["b1"] == {"ok": False}


async def test_wait_for_n_with_cancel_rest_cancels_the_branch_still_running(world: World,
                                                                           owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=split_join(wait_for=2, cancel_rest=True))
    ticket = await submit(a.requester.actor)
    await complete(a, active(owner, ticket, "intake")[0])
    await complete(a, active(owner, ticket, "b2")[0])
    await complete(a, active(owner, ticket, "b0")[0])
    statuses = {t["key"]: t["status"] for t in tasks_of(owner, ticket)}
    assert statuses["b1"] == "CANCELLED" and statuses["meet"] == "COMPLETED" and statuses["done"] == "OPEN"
    assert owner.execute("SELECT count(*) FROM users WHERE company_id = %s AND open_tasks < 0",
                         (a.company_id,)).fetchone() == (0,)
    assert await complete(a, active(owner, ticket, "done")[0]) == "COMPLETED"


async def test_a_late_branch_after_a_first_n_join_ends_there_and_the_ticket_completes(
        world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=split_join(wait_for=2))
    ticket = await submit(a.requester.actor)
    await complete(a, active(owner, ticket, "intake")[0])
    await complete(a, active(owner, ticket, "b0")[0])
    await complete(a, active(owner, ticket, "b1")[0])
    assert await complete(a, active(owner, ticket, "done")[0]) == "IN_PROGRESS"  # b2 still runs
    assert [t["key"] for t in active(owner, ticket)] == ["b2"]
    assert await complete(a, active(owner, ticket, "b2")[0]) == "COMPLETED"
    assert [t["key"] for t in tasks_of(owner, ticket)].count("meet") == 1  # never joined twice


async def test_a_branch_that_ends_no_longer_counts_for_the_join(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    doc = bundle("par", [form("intake", next="all"), form("b0"), form("b1"), form("b2"), join("meet"), form("done")],
                 [("intake", "b0"), ("intake", "b1"), ("intake", "b2"), ("b0", "meet"), ("b1", "meet"),
                  ("b2", "meet", "output.ok"), ("b2", None), ("meet", "done"), ("done", None)])
    doc["workflow"]["transitions"][5]["priority"] = 1
    await install(a, bundle=doc)
    ticket = await submit(a.requester.actor)
    await complete(a, active(owner, ticket, "intake")[0])
    await complete(a, active(owner, ticket, "b0")[0])
    await complete(a, active(owner, ticket, "b1")[0])
    assert active(owner, ticket, "done") == []  # b2 may still arrive
    await complete(a, active(owner, ticket, "b2")[0], {"ok": False})  # b2 ends instead
    meet = [t for t in tasks_of(owner, ticket) if t["key"] == "meet"]
    assert meet[0]["status"] == "COMPLETED" and meet[0]["output_data"] == {"arrived": ["b0", "b1"]}
    assert len(active(owner, ticket, "done")) == 1


async def test_the_workflow_completes_only_when_no_branch_is_left(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=bundle("par", [form("intake", next="all"), form("x"), form("y")],
                                   [("intake", "x"), ("intake", "y"), ("x", None), ("y", None)]))
    ticket = await submit(a.requester.actor)
    await complete(a, active(owner, ticket, "intake")[0])
    assert await complete(a, active(owner, ticket, "y")[0]) == "IN_PROGRESS"
    assert await complete(a, active(owner, ticket, "x")[0]) == "COMPLETED"


async def test_cancel_ends_every_branch_and_move_starts_one_task(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=split_join())
    ticket = await submit(a.requester.actor)
    await complete(a, active(owner, ticket, "intake")[0])
    await complete(a, active(owner, ticket, "b0")[0])
    assert len(active(owner, ticket)) == 3  # b1, b2 and the pending join
    await moving.move_ticket(a.admin.actor, ticket, task="done", reason="skip the rest")
    assert [t["key"] for t in active(owner, ticket)] == ["done"]
    await tracking.cancel_ticket(a.admin.actor, ticket, reason="no longer needed")
    assert active(owner, ticket) == []
    assert workflow_of_ticket(owner, ticket)["w_status"] == "CANCELLED"
    assert owner.execute("SELECT count(*) FROM users WHERE company_id = %s AND open_tasks <> 0",
                         (a.company_id,)).fetchone() == (0,)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(branches=st.integers(2, 6), data=st.data())
async def test_concurrent_completions_join_exactly_once_with_every_output(world: World, owner: psycopg.Connection,
                                                                         branches: int, data: st.DataObject) -> None:
    a = world.a
    await install(a, bundle=split_join(branches=branches))
    ticket = await submit(a.requester.actor)
    await complete(a, active(owner, ticket, "intake")[0])
    running = active(owner, ticket)
    order = data.draw(st.permutations(running))
    delays = data.draw(st.lists(st.sampled_from([0, 0, 0.001, 0.003, 0.01]), min_size=branches, max_size=branches))

    async def finish(task: dict[str, Any], delay: float) -> str:
        await asyncio.sleep(delay)
        return await complete(a, task, {"ok": task["key"] == "b0"})

    await asyncio.gather(*(finish(t, d) for t, d in zip(order, delays, strict=True)))
    meet = [t for t in tasks_of(owner, ticket) if t["key"] == "meet"]
    assert len(meet) == 1 and meet[0]["status"] == "COMPLETED"
    assert sorted(meet[0]["output_data"]["arrived"]) == sorted(t["key"] for t in running)
    assert len([t for t in tasks_of(owner, ticket) if t["key"] == "done"]) == 1
    outputs = workflow_of_ticket(owner, ticket)["workflow_data"]["tasks"]
    assert {k: v for k, v in outputs.items() if k.startswith("b")} == {
        f"b{i}": {"ok": i == 0} for i in range(branches)}


async def test_interrupt_cancels_a_task_and_continues_at_the_target(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=split_join())
    ticket = await submit(a.requester.actor)
    await complete(a, active(owner, ticket, "intake")[0])
    b1 = active(owner, ticket, "b1")[0]
    async with tenant_tx(a.company_id) as session:
        task = await _runtime.lock_task(session, b1["id"])
        assert task is not None
        created = await _runtime.interrupt(session, task, "done", "b1 timed out")
    assert created is not None
    statuses = {t["key"]: t["status"] for t in tasks_of(owner, ticket)}
    assert statuses["b1"] == "CANCELLED" and statuses["done"] == "OPEN"
    async with tenant_tx(a.company_id) as session:
        again = await _runtime.lock_task(session, b1["id"])
        assert again is not None and await _runtime.interrupt(session, again, "done", "late") is None
    assert len([t for t in tasks_of(owner, ticket) if t["key"] == "done"]) == 1
    await complete(a, active(owner, ticket, "b0")[0])
    await complete(a, active(owner, ticket, "b2")[0])  # the join: b1 no longer counts
    meet = [t for t in tasks_of(owner, ticket) if t["key"] == "meet"]
    assert meet[0]["status"] == "COMPLETED" and sorted(meet[0]["output_data"]["arrived"]) == ["b0", "b2"]


async def test_moving_a_ticket_to_a_join_completes_it_with_no_arrivals(world: World,
                                                                      owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=split_join())
    ticket = await submit(a.requester.actor)
    await complete(a, active(owner, ticket, "intake")[0])
    moved = await moving.move_ticket(a.admin.actor, ticket, task="meet", reason="skip the reviews")
    assert moved is not None
    meet = [t for t in tasks_of(owner, ticket) if t["key"] == "meet"]
    assert meet[0]["status"] == "COMPLETED" and meet[0]["output_data"] == {"arrived": []}
    assert [t["key"] for t in active(owner, ticket)] == ["done"]


async def test_a_failed_branch_holds_the_ticket_and_resume_asks_for_its_retry(world: World,
                                                                             owner: psycopg.Connection) -> None:
    a = world.a
    doc = split_join()
    doc["workflow"]["tasks"][1]["input_transform"] = "{'x': 1 / (ticket.n - ticket.n)}"  # b0 cannot start
    await install(a, bundle=doc)
    ticket = await submit(a.requester.actor)
    await complete(a, active(owner, ticket, "intake")[0])
    assert workflow_of_ticket(owner, ticket)["w_status"] == "ON_HOLD"
    assert [(t["key"], t["status"]) for t in active(owner, ticket)] == [("b0", "ERROR"), ("b1", "OPEN"),
                                                                        ("b2", "OPEN")]
    with pytest.raises(Conflict, match="retry it"):
        await tracking.resume_ticket(a.admin.actor, ticket)
    await moving.move_ticket(a.admin.actor, ticket, task="done", reason="go on without the reviews")
    assert [t["key"] for t in active(owner, ticket)] == ["done"]
    assert workflow_of_ticket(owner, ticket)["w_status"] == "IN_PROGRESS"

"""for_each FORM tasks (one instance per item, complete_when all|n, empty lists, impossible n) and CALL tasks
(a child workflow of the same company inside the parent ticket, its output, cancelling, depth, other companies)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import workflow_of_ticket
from tests.fixtures.flows import active, bundle, complete, form, tasks_of
from tests.fixtures.tenants import World, worker_actor
from tfai.db.session import tenant_tx
from tfai.domain.errors import Conflict, InvalidDefinition, NotFound
from tfai.domain.limits import MAX_CALL_DEPTH
from tfai.services.tasks import work
from tfai.services.tickets import submission, tracking
from tfai.services.workflow import _actions, action_results

ITEMS = [{"name": "laptop"}, {"name": "badge"}, {"name": "phone"}]


def each(complete_when: str | int = "all") -> dict[str, Any]:
    review = form("review", for_each="ticket.items", complete_when=complete_when,
                  input_transform="{'name': item.name, 'pos': index}")
    return bundle("par", [review, form("done")], [("review", "done"), ("done", None)])


async def submit(actor: Any, data: dict[str, Any], ticket_type: str = "par") -> int:
    return (await submission.submit_ticket(actor, ticket_type=ticket_type, data=data)).id


async def test_one_instance_per_item_each_assigned_and_the_output_in_item_order(world: World,
                                                                                owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=each())
    ticket = await submit(a.requester.actor, {"items": ITEMS})
    review = active(owner, ticket, "review")
    assert [t["input_data"] for t in review] == [{"name": "laptop", "pos": 0}, {"name": "badge", "pos": 1},
                                                 {"name": "phone", "pos": 2}]
    assert {t["assigned_to"] for t in review} == {a.worker1.id, a.worker2.id}  # least-loaded, one by one
    assert len({t["group_id"] for t in review}) == 1
    for task in (review[2], review[0]):
        assert await complete(a, task, {"ok": task["item_index"] == 0}) == "IN_PROGRESS"
        assert active(owner, ticket, "done") == []
    await complete(a, review[1], {"ok": False})
    data = workflow_of_ticket(owner, ticket)["workflow_data"]
    assert data["tasks"]["review"] == [{"ok": True}, {"ok": False}, {"ok": False}]
    assert len(active(owner, ticket, "done")) == 1


async def test_complete_when_n_cancels_the_rest(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=each(complete_when=2))
    ticket = await submit(a.requester.actor, {"items": ITEMS})
    review = active(owner, ticket, "review")
    await complete(a, review[2], {"ok": True})
    await complete(a, review[1], {"ok": False})
    statuses = [t["status"] for t in tasks_of(owner, ticket) if t["key"] == "review"]
    assert statuses == ["CANCELLED", "COMPLETED", "COMPLETED"]
    assert workflow_of_ticket(owner, ticket)["workflow_data"]["tasks"]["review"] == [{"ok": False}, {"ok": True}]
    assert owner.execute("SELECT sum(open_tasks) FROM users WHERE company_id = %s", (a.company_id,)).fetchone() == (1,)


async def test_no_items_completes_at_once_and_too_few_for_complete_when_holds(world: World,
                                                                              owner: psycopg.Connection) -> None:
    a = world.a
    await install(a, bundle=each())
    empty = await submit(a.requester.actor, {"items": []})
    assert workflow_of_ticket(owner, empty)["workflow_data"]["tasks"]["review"] == []
    assert [t["key"] for t in active(owner, empty)] == ["done"]
    await install(a, bundle=each(complete_when=2))
    short = await submit(a.requester.actor, {"items": ITEMS[:1]})
    assert workflow_of_ticket(owner, short)["w_status"] == "ON_HOLD"
    failed = active(owner, short, "review")
    assert failed[0]["status"] == "ERROR"


def child_and_parent(parent_key: str = "par", child_input: str = "{'x': ticket.n}") -> tuple[dict[str, Any], ...]:
    check = form("check", input_transform="{'x': ticket.x}",
                 output_schema={"type": "object", "properties": {"score": {"type": "integer"}}},
                 set={"result": "output.score"})
    child = bundle("child", [check], [("check", None)], ticket_type=False)
    child["workflow"]["fields"] = [{"name": "result", "type": "integer"}]
    call = {"key": "call", "title": "Call", "type": "CALL", "workflow": "child", "input": child_input}
    parent = bundle(parent_key, [call, form("after")], [("call", "after"), ("after", None)])
    return child, parent


async def test_a_call_runs_its_child_inside_the_parent_ticket(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    child, parent = child_and_parent()
    await install(a, bundle=child)
    await install(a, bundle=parent)
    ticket = await submit(a.requester.actor, {"n": 7})
    now = active(owner, ticket)
    assert [(t["key"], t["status"]) for t in now] == [("call", "PENDING"), ("check", "OPEN")]
    check = now[1]
    assert check["input_data"] == {"x": 7} and check["call_workflow_id"] is not None
    child_wi = owner.execute("SELECT parent_task_instance_id, call_depth, company_id FROM workflow_instances "
                             "WHERE id = %s", (check["call_workflow_id"],)).fetchone()
    assert child_wi == (now[0]["id"], 1, a.company_id)
    detail = await tracking.get_ticket(a.admin.actor, ticket)
    assert [t.key for t in detail.current_tasks] == ["check", "call"]
    assert [t.key for t in detail.timeline] == ["call", "check"]
    mine = await work.list_tasks(worker_actor(a, check["assigned_to"]))
    assert check["id"] in [t.id for t in mine.items] and {t.ticket_id for t in mine.items} == {ticket}

    assert await complete(a, check, {"score": 42}) == "IN_PROGRESS"
    assert owner.execute("SELECT w_status::text FROM workflow_instances WHERE id = %s",
                         (check["call_workflow_id"],)).fetchone() == ("COMPLETED",)
    data = workflow_of_ticket(owner, ticket)["workflow_data"]
    assert data["tasks"]["call"] == {"result": 42} and "check" not in data["tasks"]
    assert await complete(a, active(owner, ticket, "after")[0]) == "COMPLETED"


async def test_cancelling_the_parent_cancels_the_child(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    child, parent = child_and_parent()
    await install(a, bundle=child)
    await install(a, bundle=parent)
    ticket = await submit(a.requester.actor, {"n": 1})
    check = active(owner, ticket, "check")[0]
    await tracking.cancel_ticket(a.admin.actor, ticket, reason="stop")
    assert active(owner, ticket) == []
    assert owner.execute("SELECT w_status::text FROM workflow_instances WHERE id = %s",
                         (check["call_workflow_id"],)).fetchone() == ("CANCELLED",)
    assert owner.execute("SELECT sum(open_tasks) FROM users WHERE company_id = %s", (a.company_id,)).fetchone() == (0,)


async def test_another_company_neither_sees_nor_completes_a_child_task_nor_calls_its_workflow(
        world: World, owner: psycopg.Connection) -> None:
    a, b = world.a, world.b
    child, parent = child_and_parent()
    await install(a, bundle=child)
    await install(a, bundle=parent)
    with pytest.raises(InvalidDefinition) as refused:  # company B has no workflow "child": A's is not seen
        await install(b, bundle=parent)
    assert [p["code"] for p in refused.value.problems] == ["call.unknown_workflow"]
    ticket = await submit(a.requester.actor, {"n": 1})
    check = active(owner, ticket, "check")[0]
    with pytest.raises(NotFound):
        await work.complete_form_task(b.admin.actor, check["id"], output={"score": 1})
    with pytest.raises(NotFound):
        await work.get_task(b.admin.actor, check["id"])
    own = bundle("child", [form("check_b")], [("check_b", None)], ticket_type=False)
    await install(b, bundle=own)
    await install(b, bundle=parent)
    theirs = await submit(b.requester.actor, {"n": 1})
    assert [t["key"] for t in active(owner, theirs)] == ["call", "check_b"]  # the same key, B's own workflow
    assert owner.execute("SELECT company_id FROM workflow_instances WHERE parent_task_instance_id = %s",
                         (active(owner, theirs)[0]["id"],)).fetchone() == (b.company_id,)
    assert active(owner, ticket, "check")[0]["status"] == "OPEN"


async def test_calls_nest_at_most_max_call_depth(world: World, owner: psycopg.Connection) -> None:
    a = world.a
    depth = MAX_CALL_DEPTH + 2  # w1 is the ticket's (depth 0): w7 would be depth 6
    for level in range(depth, 0, -1):  # w1 calls w2 ... the deepest ends at once
        key = f"w{level}"
        if level == depth:
            doc = bundle(key, [form("leaf")], [("leaf", None)], ticket_type=False)
        else:
            call = {"key": "call", "title": "Call", "type": "CALL", "workflow": f"w{level + 1}"}
            doc = bundle(key, [call], [("call", None)], ticket_type=level == 1)
        await install(a, bundle=doc)
    ticket = await submit(a.requester.actor, {}, ticket_type="w1")
    assert workflow_of_ticket(owner, ticket)["w_status"] == "ON_HOLD"
    assert owner.execute("SELECT max(call_depth) FROM workflow_instances WHERE company_id = %s",
                         (a.company_id,)).fetchone() == (MAX_CALL_DEPTH,)
    assert [t["status"] for t in active(owner, ticket)][-1] == "ERROR"


async def test_an_action_of_a_child_workflow_sees_the_child_data_and_completes_its_call(
        world: World, owner: psycopg.Connection) -> None:
    a = world.a
    ping = {"key": "ping", "title": "Ping", "type": "SYNC_ACTION", "action_url": "https://example.com/ping",
            "input_transform": "{'x': ticket.x}"}
    await install(a, bundle=bundle("child", [ping], [("ping", None)], ticket_type=False))
    call = {"key": "call", "title": "Call", "type": "CALL", "workflow": "child", "input": "{'x': ticket.n + 1}"}
    await install(a, bundle=bundle("par", [call], [("call", None)]))
    ticket = await submit(a.requester.actor, {"n": 4})
    task = active(owner, ticket, "ping")[0]
    async with tenant_tx(a.company_id) as session:
        claimed = await _actions.claim(session, task["id"], webhook_id="w-1")
    assert claimed is not None and claimed.workflow_data["ticket"] == {"x": 5} and claimed.input_data == {"x": 5}
    await action_results.complete_action_task(a.company_id, task["id"], output={"pong": True})
    assert workflow_of_ticket(owner, ticket)["w_status"] == "COMPLETED"
    assert workflow_of_ticket(owner, ticket)["workflow_data"]["tasks"]["call"] == {}


async def test_a_child_that_holds_holds_its_ticket_and_resuming_tries_the_child_again(
        world: World, owner: psycopg.Connection) -> None:
    a = world.a
    child, parent = child_and_parent()
    child["workflow"]["transitions"] = [{"from": "check", "to": None, "condition": "output.score > 5"}]
    await install(a, bundle=child)
    await install(a, bundle=parent)
    ticket = await submit(a.requester.actor, {"n": 1})
    check = active(owner, ticket, "check")[0]
    await complete(a, check, {"score": 1})
    root = workflow_of_ticket(owner, ticket)
    assert root["w_status"] == "ON_HOLD" and root["hold_reason"].startswith("In a called workflow: no condition")
    assert owner.execute("SELECT w_status::text FROM workflow_instances WHERE id = %s",
                         (check["call_workflow_id"],)).fetchone() == ("ON_HOLD",)
    with pytest.raises(Conflict, match="Still no way on"):
        await tracking.resume_ticket(a.admin.actor, ticket)
    assert workflow_of_ticket(owner, ticket)["w_status"] == "ON_HOLD"

"""Idempotency-Key on submission: one ticket per key, even for concurrent repeats; per user, per company."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import count, snapshot
from tests.fixtures.tenants import World
from tfai.domain.errors import Conflict, InvalidInput
from tfai.services.tickets import submission

LAPTOP = {"model": "air-13", "price": 1200}


def _tickets(owner: psycopg.Connection, company_id: int) -> int:
    return count(owner, "SELECT count(*) FROM ticket_instances WHERE company_id = %s", company_id)


async def test_a_repeat_with_the_same_key_answers_with_the_first_ticket(world: World,
                                                                       owner: psycopg.Connection) -> None:
    await install(world.a)
    actor = world.a.requester.actor
    first = await submission.submit_ticket(actor, ticket_type="laptop", data=LAPTOP, idempotency_key="k-1")
    before = snapshot(owner, world.a.company_id)
    again = await submission.submit_ticket(actor, ticket_type="laptop", data=dict(LAPTOP), idempotency_key="k-1")
    assert not first.replayed and again.replayed
    assert again.id == first.id and again.current_task == first.current_task
    assert snapshot(owner, world.a.company_id) == before  # nothing written by the repeat
    other = await submission.submit_ticket(actor, ticket_type="laptop", data=LAPTOP, idempotency_key="k-2")
    plain = await submission.submit_ticket(actor, ticket_type="laptop", data=LAPTOP)
    assert len({first.id, other.id, plain.id}) == 3


async def test_the_same_key_for_another_request_is_a_conflict_and_writes_nothing(world: World,
                                                                                 owner: psycopg.Connection) -> None:
    await install(world.a)
    actor = world.a.requester.actor
    await submission.submit_ticket(actor, ticket_type="laptop", data=LAPTOP, idempotency_key="same")
    before = snapshot(owner, world.a.company_id)
    with pytest.raises(Conflict) as err:
        await submission.submit_ticket(actor, ticket_type="laptop", data={**LAPTOP, "price": 1}, idempotency_key="same")
    assert err.value.details == [{"field": "Idempotency-Key", "message": "already used for a different request"}]
    assert snapshot(owner, world.a.company_id) == before


async def test_keys_belong_to_one_user_in_one_company(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    await install(world.b)
    mine = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP,
                                       idempotency_key="shared")
    colleague = await submission.submit_ticket(world.a.admin.actor, ticket_type="laptop", data=LAPTOP,
                                            idempotency_key="shared")
    elsewhere = await submission.submit_ticket(world.b.requester.actor, ticket_type="laptop", data=LAPTOP,
                                            idempotency_key="shared")
    assert not (mine.replayed or colleague.replayed or elsewhere.replayed)
    assert len({mine.id, colleague.id, elsewhere.id}) == 3
    assert _tickets(owner, world.a.company_id) == 2 and _tickets(owner, world.b.company_id) == 1


async def test_concurrent_repeats_create_one_ticket(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    actor = world.a.requester.actor
    answers = await asyncio.gather(*[submission.submit_ticket(actor, ticket_type="laptop", data=LAPTOP,
                                                           idempotency_key="burst") for _ in range(6)])
    assert len({a.id for a in answers}) == 1
    assert sum(not a.replayed for a in answers) == 1
    assert _tickets(owner, world.a.company_id) == 1
    assert count(owner, "SELECT count(*) FROM task_instances WHERE company_id = %s", world.a.company_id) == 1


@pytest.mark.parametrize("key", ["", "with space", "é", "x" * 256, "tab\there"])
async def test_malformed_keys_are_refused_before_anything_is_written(world: World, owner: psycopg.Connection,
                                                                     key: str) -> None:
    await install(world.a)
    with pytest.raises(InvalidInput) as err:
        await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP, idempotency_key=key)
    assert err.value.details[0]["field"] == "Idempotency-Key"
    assert _tickets(owner, world.a.company_id) == 0

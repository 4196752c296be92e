"""Ticket lists: the custom-field filter (service and REST), its limits, and the `archived` mirror column."""

from __future__ import annotations

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.tenants import World
from tfai.domain.errors import InvalidInput
from tfai.services.tickets import submission, tracking

LAPTOP = {"model": "air-13", "price": 1200}


async def test_field_filter_matches_text_and_numbers_in_own_company(world: World) -> None:
    await install(world.a)
    await install(world.b)
    air = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    pro = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop",
                                      data={"model": "pro-16", "price": 2500})
    await submission.submit_ticket(world.b.requester.actor, ticket_type="laptop", data=LAPTOP)
    admin = world.a.ticket_admin.actor
    found = await tracking.list_tickets(admin, scope="company", fields={"model": "pro-16"})
    assert found.total == 1 and [t.id for t in found.items] == [pro.id]
    by_number = await tracking.list_tickets(admin, scope="company", fields={"price": "1200"})
    assert [t.id for t in by_number.items] == [air.id]
    both = await tracking.list_tickets(admin, scope="company", fields={"model": "air-13", "price": "2500"})
    assert both.total == 0 and both.items == []
    mine = await tracking.list_tickets(world.a.requester.actor, fields={"model": "air-13"})
    assert [t.id for t in mine.items] == [air.id]
    other = await tracking.list_tickets(world.b.ticket_admin.actor, scope="company", fields={"model": "pro-16"})
    assert other.total == 0


async def test_field_filter_limits(world: World) -> None:
    with pytest.raises(InvalidInput):
        await tracking.list_tickets(world.a.requester.actor, fields={f"f{i}": "x" for i in range(6)})
    with pytest.raises(InvalidInput):
        await tracking.list_tickets(world.a.requester.actor, fields={"model": "x" * 201})


async def test_archived_mirrors_the_workflow(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    created = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    row = owner.execute("SELECT archived FROM ticket_instances WHERE id = %s", (created.id,)).fetchone()
    assert row == (False,)
    await tracking.cancel_ticket(world.a.admin.actor, created.id, reason="dup")
    row = owner.execute("SELECT archived FROM ticket_instances WHERE id = %s", (created.id,)).fetchone()
    assert row == (True,)

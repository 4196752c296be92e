"""The ticket detail offers ticket admins the workflow's tasks to move an active ticket to, and no one else."""

from __future__ import annotations

import pytest

from tests.fixtures.bundles import install
from tests.fixtures.tenants import World
from tfai.domain.errors import NotFound
from tfai.services.tickets import submission, tracking

LAPTOP = {"model": "air-13", "price": 1200}
TASKS = [("approve", "Manager approval"), ("order", "Order from vendor"), ("delivery", "Wait for delivery"),
         ("rejected", "Tell requester")]


async def test_ticket_admins_and_admins_get_the_tasks_in_definition_order(world: World) -> None:
    a = world.a
    await install(a, "laptop-request.json")
    created = await submission.submit_ticket(a.requester.actor, ticket_type="laptop", data=LAPTOP)
    for steerer in (a.ticket_admin, a.admin):
        detail = await tracking.get_ticket(steerer.actor, created.id)
        assert [(c.key, c.title) for c in detail.move_choices] == TASKS
    assert (await tracking.get_ticket(a.requester.actor, created.id)).move_choices == []
    with pytest.raises(NotFound):  # another company's ticket admin learns nothing, choices included
        await tracking.get_ticket(world.b.ticket_admin.actor, created.id)


async def test_a_finished_ticket_offers_no_move(world: World) -> None:
    a = world.a
    await install(a, "laptop-request.json")
    created = await submission.submit_ticket(a.requester.actor, ticket_type="laptop", data=LAPTOP)
    await tracking.cancel_ticket(a.ticket_admin.actor, created.id)
    assert (await tracking.get_ticket(a.ticket_admin.actor, created.id)).move_choices == []

"""Admin ticket list filters: workflow status, assignee of the current task, created range; validation; tenancy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.fixtures.bundles import install
from tests.fixtures.tenants import World
from tfai.domain.errors import Forbidden, InvalidInput
from tfai.services.common.pagination import Page
from tfai.services.tickets import submission, tracking
from tfai.services.tickets.dto import TicketSummaryDTO

LAPTOP = {"model": "air-13", "price": 1200}


def _ids(page: Page[TicketSummaryDTO]) -> set[int]:
    return {t.id for t in page.items}


async def _three(world: World) -> tuple[int, int, int, int]:
    """Three laptop tickets in company a; the second is put on hold. Returns their ids and the first's assignee."""
    await install(world.a)
    req = world.a.requester.actor
    first = await submission.submit_ticket(req, ticket_type="laptop", data=LAPTOP)
    second = await submission.submit_ticket(req, ticket_type="laptop", data=LAPTOP)
    third = await submission.submit_ticket(req, ticket_type="laptop", data=LAPTOP)
    await tracking.hold_ticket(world.a.ticket_admin.actor, second.id, reason="budget")
    assert first.current_task is not None and first.current_task.assignee_id is not None
    return first.id, second.id, third.id, first.current_task.assignee_id


async def test_status_filter(world: World) -> None:
    first, second, third, _ = await _three(world)
    ta = world.a.ticket_admin.actor
    held = await tracking.list_tickets(ta, scope="company", status="ON_HOLD")
    assert _ids(held) == {second} and held.total == 1
    running = await tracking.list_tickets(ta, scope="company", status="IN_PROGRESS")
    assert _ids(running) == {first, third} and running.total == 2
    await tracking.cancel_ticket(ta, third, reason="no")
    cancelled = await tracking.list_tickets(ta, scope="company", state="archived", status="CANCELLED")
    assert _ids(cancelled) == {third}
    assert (await tracking.list_tickets(ta, scope="company", state="archived", status="COMPLETED")).total == 0


async def test_assignee_filter_follows_the_current_task(world: World) -> None:
    first, second, third, assignee = await _three(world)
    ta = world.a.ticket_admin.actor
    page = await tracking.list_tickets(ta, scope="company", assignee_id=assignee)
    expected = {t.id for t in (await tracking.list_tickets(ta, scope="company")).items
                if t.current_task is not None and t.current_task.assignee_id == assignee}
    assert first in _ids(page) and _ids(page) == expected and page.total == len(expected)
    nobody = await tracking.list_tickets(ta, scope="company", assignee_id=world.a.requester.id)
    assert nobody.total == 0 and nobody.items == []


async def test_created_range(world: World, owner: psycopg.Connection) -> None:
    first, second, third, _ = await _three(world)
    old = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
    owner.execute("UPDATE ticket_instances SET created_at = %s WHERE id = %s", (old, first))
    ta = world.a.ticket_admin.actor
    jan = await tracking.list_tickets(ta, scope="company", created_from=datetime(2024, 1, 15),
                                     created_to=datetime(2024, 1, 16))
    assert _ids(jan) == {first}
    recent = await tracking.list_tickets(ta, scope="company", created_from=datetime.now(UTC) - timedelta(days=1))
    assert _ids(recent) == {second, third}
    before = await tracking.list_tickets(ta, scope="company", created_to=old)
    assert before.total == 0


async def test_filters_combine(world: World, owner: psycopg.Connection) -> None:
    first, second, third, assignee = await _three(world)
    ta = world.a.ticket_admin.actor
    both = await tracking.list_tickets(ta, scope="company", status="IN_PROGRESS", assignee_id=assignee,
                                      ticket_type="laptop", created_from=datetime.now(UTC) - timedelta(days=1))
    assert first in _ids(both) and second not in _ids(both)
    none = await tracking.list_tickets(ta, scope="company", status="ON_HOLD", ticket_type="other-type")
    assert none.total == 0
    mine = await tracking.list_tickets(world.a.requester.actor, scope="mine", status="ON_HOLD")
    assert _ids(mine) == {second}


async def test_bad_values_are_invalid_input_with_fields(world: World) -> None:
    ta = world.a.ticket_admin.actor
    with pytest.raises(InvalidInput) as bad:
        await tracking.list_tickets(ta, scope="company", status="DONE", assignee_id=0,
                                   created_from=datetime(2024, 2, 1), created_to=datetime(2024, 1, 1))
    fields = {d["field"] for d in bad.value.details}
    assert fields == {"status", "assignee_id", "created_to"}
    with pytest.raises(InvalidInput) as wrong_type:
        await tracking.list_tickets(ta, scope="company", created_from="2024-01-01")  # type: ignore[arg-type]
    assert [d["field"] for d in wrong_type.value.details] == ["created_from"]
    with pytest.raises(Forbidden):
        await tracking.list_tickets(world.a.requester.actor, scope="company", status="ON_HOLD")


async def test_cross_company_assignee_sees_nothing(world: World) -> None:
    first, _, _, assignee = await _three(world)
    b_admin = world.b.admin.actor
    page = await tracking.list_tickets(b_admin, scope="company", assignee_id=assignee)
    assert page.total == 0 and page.items == []
    held = await tracking.list_tickets(b_admin, scope="company", status="ON_HOLD")
    assert held.total == 0
    ranged = await tracking.list_tickets(b_admin, scope="company", created_from=datetime(2000, 1, 1))
    assert first not in _ids(ranged)

"""The staff console: companies with counts and platform totals, for staff without a grant only."""

from __future__ import annotations

import psycopg
import pytest

from tests.fixtures.staff import GrantSession, Staffer
from tests.fixtures.tenants import World
from tfai.domain.errors import Forbidden
from tfai.services.staff import access


async def test_console_lists_companies_with_counts_without_entering(world: World, staffer: Staffer,
                                                                   owner: psycopg.Connection) -> None:
    me = await staffer.actor()
    console = await access.console(me)
    assert console.companies, "the console lists companies without entering any"
    for tenant in (world.a, world.b):
        # The console shows at most 200 companies (a long test run makes more): find each by its name.
        by_id = {c.company_id: c for c in (await access.console(me, search=tenant.name)).companies}
        entry = by_id[tenant.company_id]
        assert (entry.name, entry.users, entry.tickets, entry.open_tasks) == (tenant.name, 6, 0, 0)
        assert entry.staff_write_allowed is True
    platform = owner.execute("SELECT id, name FROM companies WHERE is_platform").fetchone()
    assert platform is not None
    assert platform[0] not in {c.company_id for c in console.companies}
    assert await access.list_companies(me, search=platform[1]) == []
    totals = console.totals
    assert totals.companies >= 2 and totals.users >= 12 and totals.active_grants >= 0
    found = await access.list_companies(me, search=world.a.name)
    assert [c.company_id for c in found] == [world.a.company_id]
    assert await access.list_companies(me, search="%") == []  # wildcards are literal


async def test_console_is_for_staff_without_a_grant(world: World, grant_session: GrantSession) -> None:
    for member in world.a.members.values():
        with pytest.raises(Forbidden):
            await access.list_companies(member.actor)
        with pytest.raises(Forbidden):
            await access.platform_totals(member.actor)
    _, under = await grant_session(world.b.company_id)
    with pytest.raises(Forbidden):
        await access.list_companies(under)

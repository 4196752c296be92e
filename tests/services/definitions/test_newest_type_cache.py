"""The newest ticket type per (company, key) is cached per process and re-read once the company saves a bundle."""

from __future__ import annotations

import copy
from typing import Any

import psycopg
from sqlalchemy import event

from tests.fixtures.bundles import example, install
from tests.fixtures.tenants import World
from tfai.db.session import engine
from tfai.services.common.tx import actor_tx
from tfai.services.definitions import _cache
from tfai.services.tickets import submission

LAPTOP = {"model": "air-13", "price": 1200}


async def _newest(world: World, company: str = "a") -> tuple[Any, int | None, int]:
    """(row, workflow id, statements sent) of one lookup as the company's requester."""
    tenant = getattr(world, company)
    sent: list[str] = []

    def on_statement(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    sync = engine().sync_engine
    async with actor_tx(tenant.requester.actor) as session:
        event.listen(sync, "before_cursor_execute", on_statement)
        try:
            found = await _cache.newest_ticket_type(session, tenant.company_id, "laptop")
        finally:
            event.remove(sync, "before_cursor_execute", on_statement)
    assert found is not None
    return found[0], found[1], len(sent)


async def test_a_second_lookup_reads_no_row_and_a_save_is_seen_at_once(world: World) -> None:
    await install(world.a)
    first, wf_id, queried = await _newest(world)
    again, wf_again, cached = await _newest(world)
    assert queried == 1 and cached == 0
    assert (again.id, wf_again) == (first.id, wf_id) and first.version == 1
    bundle = example("laptop-request.json")
    changed = copy.deepcopy(bundle)
    changed["ticket_types"][0]["title"] = "Laptop (new form)"
    await install(world.a, bundle=changed)
    newer, _, requeried = await _newest(world)
    assert requeried == 1 and newer.version == 2 and newer.title == "Laptop (new form)"
    created = await submission.submit_ticket(world.a.requester.actor, ticket_type="laptop", data=LAPTOP)
    assert created.id > 0


async def test_another_process_saving_is_seen_through_the_company_generation(world: World,
                                                                           owner: psycopg.Connection) -> None:
    await install(world.a)
    await install(world.b)
    cached, _, _ = await _newest(world)
    # Another process stores a new version (here by hand) and, after its commit, replaces the generation.
    owner.execute("INSERT INTO ticket_definitions (company_id, key, version, title, description, workflow_key, "
                  "fields, company_role_access, edit_layout, display_layout, editable_by) "
                  "SELECT company_id, key, version + 1, 'Laptop v2', description, workflow_key, fields, "
                  "company_role_access, edit_layout, display_layout, editable_by FROM ticket_definitions "
                  "WHERE id = %s", (cached.id,))
    stale, _, _ = await _newest(world)
    assert stale.version == cached.version  # not yet told
    b_before, _, _ = await _newest(world, "b")
    await _cache.definitions_saved(world.a.company_id)
    fresh, _, queried = await _newest(world)
    assert queried == 1 and (fresh.version, fresh.title) == (cached.version + 1, "Laptop v2")
    b_after, _, b_queried = await _newest(world, "b")
    assert b_queried == 0 and b_after.id == b_before.id  # another company's entries stay

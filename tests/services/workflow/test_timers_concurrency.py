"""Concurrent fire_due callers, over random interleavings: every due timer fires exactly once, later ones never."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.db_rows import ticket_with_task
from tests.fixtures.tenants import World
from tfai.db.session import tenant_tx
from tfai.services.common import audit
from tfai.services.workflow import _timers, timers
from tfai.services.workflow._timers import EFFECTS, TimerRow

PROBE = "probe"


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    due = draw(st.lists(st.booleans(), min_size=1, max_size=25))  # per timer: due now, or a day later
    return {
        "due": due,
        "companies": draw(st.lists(st.sampled_from("ab"), min_size=len(due), max_size=len(due))),
        "limits": draw(st.lists(st.integers(1, 12), min_size=2, max_size=3)),  # one per concurrent caller
        "starts": draw(st.lists(st.sampled_from([0, 0, 0.001, 0.005]), min_size=3, max_size=3)),
        "delays": draw(st.lists(st.sampled_from([0, 0, 0.001, 0.003]), min_size=1, max_size=8)),
    }


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenario=scenarios())
async def test_concurrent_callers_fire_each_due_timer_exactly_once(world: World, owner: psycopg.Connection,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   scenario: dict[str, Any]) -> None:
    delays = iter(scenario["delays"] * 100)

    async def effect(session: Any, timer: TimerRow) -> str:
        await audit.record(session, None, company_id=timer.company_id, entity="timer", entity_id=timer.id,
                           action=PROBE, after={"timer_id": timer.id})
        await asyncio.sleep(next(delays, 0))  # the interleaving: callers yield to each other mid-transaction
        return _timers.FIRED

    monkeypatch.setitem(EFFECTS, PROBE, effect)
    places = {}
    for name in "ab":
        tenant = getattr(world, name)
        _, task_id = ticket_with_task(owner, tenant.company_id, created_by=tenant.requester.id)
        found = owner.execute("SELECT workflow_instance_id FROM task_instances WHERE id = %s",
                              (task_id,)).fetchone()
        assert found is not None
        places[name] = (tenant.company_id, int(found[0]), task_id)
    now = datetime.now(UTC)
    ids: dict[int, bool] = {}
    for due, name in zip(scenario["due"], scenario["companies"], strict=True):
        cid, wid, tid = places[name]
        async with tenant_tx(cid) as session:
            timer_id = await _timers.schedule(session, company_id=cid, workflow_instance_id=wid, task_instance_id=tid,
                                              kind=PROBE, due_at=now + (timedelta(seconds=-1) if due else
                                                                        timedelta(days=1)))
        ids[timer_id] = due

    async def caller(limit: int, start: float) -> int:
        await asyncio.sleep(start)
        total = 0
        while (n := await timers.fire_due(limit)) > 0:
            total += n
        return total

    fired = await asyncio.gather(*(caller(limit, start)
                                   for limit, start in zip(scenario["limits"], scenario["starts"], strict=False)))
    counts = dict.fromkeys(ids, 0)
    for (timer_id,) in owner.execute("SELECT (after->>'timer_id')::bigint FROM audit_log WHERE action = %s "
                                     "AND (after->>'timer_id')::bigint = ANY(%s)", (PROBE, list(ids))).fetchall():
        counts[int(timer_id)] += 1
    assert counts == {timer_id: int(due) for timer_id, due in ids.items()}
    assert sum(fired) >= sum(ids.values())  # the callers report at least these (other tests' timers may be due)
    marked = owner.execute("SELECT id FROM timers WHERE id = ANY(%s) AND fired_at IS NOT NULL",
                           (list(ids),)).fetchall()
    assert {int(r[0]) for r in marked} == {timer_id for timer_id, due in ids.items() if due}
    owner.execute("DELETE FROM timers WHERE id = ANY(%s)", (list(ids),))  # the later ones: not left for others

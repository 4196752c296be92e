"""The UI's submission carries an Idempotency-Key: the same form sent twice makes one ticket."""

from __future__ import annotations

import psycopg

from tests.fixtures.bundles import install
from tests.fixtures.db_rows import count
from tests.fixtures.tenants import World
from tfai.services.tickets import submission
from tfai.ui.state.ticket_new import submission_key

LAPTOP = {"model": "air-13", "price": 1200}


def test_the_key_follows_the_form_and_its_values() -> None:
    key = submission_key("nonce-1", "laptop", LAPTOP)
    assert key == submission_key("nonce-1", "laptop", {"price": 1200, "model": "air-13"})  # order does not matter
    assert key != submission_key("nonce-2", "laptop", LAPTOP)  # another form shown
    assert key != submission_key("nonce-1", "laptop", {**LAPTOP, "price": 1300})  # other values
    assert len(key) <= 255


async def test_the_same_form_sent_twice_creates_one_ticket(world: World, owner: psycopg.Connection) -> None:
    await install(world.a)
    actor = world.a.requester.actor
    key = submission_key("form-shown-once", "laptop", LAPTOP)
    first = await submission.submit_ticket(actor, ticket_type="laptop", data=dict(LAPTOP), idempotency_key=key)
    again = await submission.submit_ticket(actor, ticket_type="laptop", data=dict(LAPTOP), idempotency_key=key)
    assert again.replayed and again.id == first.id
    assert count(owner, "SELECT count(*) FROM ticket_instances WHERE company_id = %s", world.a.company_id) == 1

"""Accepting saves through the definitions service exactly as an upload; placeholders block it; discard drops."""

from __future__ import annotations

import copy

import psycopg
import pytest

from tests.fixtures.bundles import broken_bundle, laptop, placeholder_bundle
from tests.fixtures.db_rows import definition_count
from tests.fixtures.fake_llm import FakeLLM, proposal_reply
from tests.fixtures.tenants import World
from tfai.domain.errors import Conflict, InvalidDefinition, InvalidInput
from tfai.domain.policy import Actor
from tfai.services.assistant import conversations


async def _propose(actor: Actor, fake_llm: FakeLLM, *bundles: object) -> int:
    conv = (await conversations.create_conversation(actor)).id
    fake_llm.enqueue(*[proposal_reply(b) for b in bundles])
    reply = await conversations.send_message(actor, conv, content="Draft it")
    assert reply.proposal is not None
    return reply.proposal.id


async def test_accept_saves_new_versions_and_audits(world: World, fake_llm: FakeLLM,
                                                    owner: psycopg.Connection) -> None:
    actor = world.a.designer.actor
    first = await _propose(actor, fake_llm, laptop())
    saved = await conversations.accept_proposal(actor, first)
    assert saved.workflow_key == "laptop-request" and saved.workflow_version == 1 and saved.created
    rows = owner.execute("SELECT key, version FROM workflow_definitions WHERE company_id = %s",
                         (world.a.company_id,)).fetchall()
    assert rows == [("laptop-request", 1)]
    status = owner.execute("SELECT status FROM assistant_proposals WHERE id = %s", (first,)).fetchone()
    assert status == ("accepted",)
    audit = owner.execute("SELECT action, actor_user_id FROM audit_log WHERE company_id = %s AND "
                          "entity = 'assistant_proposal' AND entity_id = %s ORDER BY id",
                          (world.a.company_id, str(first))).fetchall()
    assert ("accepted", world.a.designer.id) in audit
    with pytest.raises(Conflict):
        await conversations.accept_proposal(actor, first)

    changed = copy.deepcopy(laptop())
    changed["workflow"]["title"] = "Laptop request (v2)"
    second = await _propose(actor, fake_llm, changed)
    saved = await conversations.accept_proposal(actor, second)
    assert saved.workflow_version == 2 and saved.changed


async def test_placeholders_block_accept_until_filled(world: World, fake_llm: FakeLLM,
                                                      owner: psycopg.Connection) -> None:
    actor = world.a.designer.actor
    conv = (await conversations.create_conversation(actor)).id
    fake_llm.enqueue(proposal_reply(placeholder_bundle()))
    reply = await conversations.send_message(actor, conv, content="Laptops")
    proposal = reply.proposal
    assert proposal is not None and proposal.valid
    assert proposal.placeholders == [{"path": "/workflow/tasks/1/action_url",
                                      "question": "URL of your vendor's order API"}]
    with pytest.raises(InvalidInput) as info:
        await conversations.accept_proposal(actor, proposal.id)
    assert info.value.details == [{"field": "/workflow/tasks/1/action_url",
                                   "message": "Fill in: URL of your vendor's order API"}]
    assert definition_count(owner, world.a.company_id) == 0
    filled = placeholder_bundle()
    filled["workflow"]["tasks"][1]["action_url"] = "https://orders.example.com/api"
    saved = await conversations.accept_proposal(actor, proposal.id, bundle=filled)
    assert saved.workflow_version == 1
    url = owner.execute("SELECT action_url FROM task_definitions WHERE company_id = %s AND key = 'order'",
                        (world.a.company_id,)).fetchone()
    assert url == ("https://orders.example.com/api",)


async def test_invalid_proposal_cannot_be_accepted(world: World, fake_llm: FakeLLM,
                                                   owner: psycopg.Connection) -> None:
    actor = world.a.designer.actor
    proposal = await _propose(actor, fake_llm, *[broken_bundle() for _ in range(4)])
    with pytest.raises(InvalidDefinition):
        await conversations.accept_proposal(actor, proposal)
    assert definition_count(owner, world.a.company_id) == 0
    status = owner.execute("SELECT status FROM assistant_proposals WHERE id = %s", (proposal,)).fetchone()
    assert status == ("pending",)


async def test_discard_drops_and_blocks_accept(world: World, fake_llm: FakeLLM, owner: psycopg.Connection) -> None:
    actor = world.a.designer.actor
    proposal = await _propose(actor, fake_llm, laptop())
    dto = await conversations.discard_proposal(actor, proposal)
    assert dto.status == "discarded"
    with pytest.raises(Conflict):
        await conversations.accept_proposal(actor, proposal)
    assert definition_count(owner, world.a.company_id) == 0

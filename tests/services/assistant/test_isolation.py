"""Tenant and user isolation, roles, the context the model receives, the token budget and input limits."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import psycopg
import pytest

from tests.fixtures.bundles import laptop
from tests.fixtures.fake_llm import FakeLLM, proposal_reply, text_reply
from tests.fixtures.tenants import World
from tfai.assistant.client import AssistantUnavailable
from tfai.domain.errors import Forbidden, InvalidInput, NotFound, RateLimited
from tfai.services.assistant import conversations
from tfai.services.definitions import bundles


def _distinctive() -> dict[str, object]:
    bundle = copy.deepcopy(laptop())
    bundle["workflow"]["key"] = "zebra-secret-flow"
    bundle["workflow"]["title"] = "Zebra Quartermaster Procedure"
    bundle["ticket_types"][0]["key"] = "zebra-ticket"
    bundle["ticket_types"][0]["title"] = "Zebra Quartermaster Ticket"
    bundle["ticket_types"][0]["workflow"] = "zebra-secret-flow"
    return bundle


async def test_context_never_contains_another_companys_definitions(world: World, fake_llm: FakeLLM) -> None:
    await bundles.save_bundle(world.b.designer.actor, _distinctive())
    own = copy.deepcopy(laptop())
    own["workflow"]["title"] = "Alpaca Laptop Flow"
    await bundles.save_bundle(world.a.designer.actor, own)
    conv = (await conversations.create_conversation(world.a.designer.actor)).id
    fake_llm.enqueue(text_reply("ok"))
    await conversations.send_message(world.a.designer.actor, conv,
                                     content="Change zebra-secret-flow and laptop-request")
    sent = fake_llm.sent_text()
    assert "Alpaca Laptop Flow" in sent and "laptop-request" in sent  # a's own definitions are there
    for secret in ("Zebra Quartermaster", "zebra-ticket", world.b.name):
        assert secret not in sent
    assert "zebra-secret-flow" in sent  # only because the user typed it: it appears once, in their message
    assert sent.count("zebra-secret-flow") == 1
    assert world.a.requester.email not in sent and world.a.designer.email not in sent


async def test_another_companys_conversations_and_proposals_are_not_found(world: World, fake_llm: FakeLLM) -> None:
    b = world.b.designer.actor
    conv = (await conversations.create_conversation(b)).id
    fake_llm.enqueue(proposal_reply(laptop()))
    proposal = (await conversations.send_message(b, conv, content="Laptops")).proposal
    assert proposal is not None
    for actor in (world.a.designer.actor, world.a.admin.actor, world.b.admin.actor):
        with pytest.raises(NotFound):
            await conversations.get_conversation(actor, conv)
        with pytest.raises(NotFound):
            await conversations.rename_conversation(actor, conv, title="mine")
        with pytest.raises(NotFound):
            await conversations.delete_conversation(actor, conv)
        with pytest.raises(NotFound):
            await conversations.send_message(actor, conv, content="hello")
        with pytest.raises(NotFound):
            await conversations.accept_proposal(actor, proposal.id)
        with pytest.raises(NotFound):
            await conversations.discard_proposal(actor, proposal.id)
        assert conv not in [c.id for c in (await conversations.list_conversations(actor)).items]
    detail = await conversations.get_conversation(b, conv)
    assert detail.title == "Laptops" and len(detail.messages) == 2
    assert (await conversations.get_proposal(b, proposal.id)).status == "pending"


@pytest.mark.parametrize("member", ["requester", "worker1", "ticket_admin"])
async def test_roles_without_assistant_use_are_forbidden(world: World, fake_llm: FakeLLM, member: str) -> None:
    actor = getattr(world.a, member).actor
    conv = (await conversations.create_conversation(world.a.designer.actor)).id
    with pytest.raises(Forbidden):
        await conversations.create_conversation(actor)
    with pytest.raises(Forbidden):
        await conversations.list_conversations(actor)
    with pytest.raises(Forbidden):
        await conversations.send_message(actor, conv, content="hi")
    with pytest.raises(Forbidden):
        await conversations.accept_proposal(actor, 1)
    assert fake_llm.history == []


async def test_conversation_lifecycle(world: World) -> None:
    actor = world.a.admin.actor
    conv = await conversations.create_conversation(actor, title="Purchasing")
    renamed = await conversations.rename_conversation(actor, conv.id, title="  Purchasing v2 ")
    assert renamed.title == "Purchasing v2"
    with pytest.raises(InvalidInput):
        await conversations.rename_conversation(actor, conv.id, title="   ")
    page = await conversations.list_conversations(actor)
    assert page.total == 1 and page.items[0].id == conv.id
    await conversations.delete_conversation(actor, conv.id)
    with pytest.raises(NotFound):
        await conversations.get_conversation(actor, conv.id)


async def test_daily_token_budget(world: World, fake_llm: FakeLLM, owner: psycopg.Connection) -> None:
    owner.execute("INSERT INTO assistant_usage (company_id, day, prompt_tokens, completion_tokens) "
                  "VALUES (%s, (now() AT TIME ZONE 'utc')::date, 1500000, 600000)", (world.a.company_id,))
    conv = (await conversations.create_conversation(world.a.designer.actor)).id
    with pytest.raises(RateLimited) as info:
        await conversations.send_message(world.a.designer.actor, conv, content="hi")
    assert info.value.retry_after > 0 and fake_llm.history == []
    conv_b = (await conversations.create_conversation(world.b.designer.actor)).id
    fake_llm.enqueue(text_reply("fine"))
    assert (await conversations.send_message(world.b.designer.actor, conv_b, content="hi")).text == "fine"


async def test_message_limits(world: World, fake_llm: FakeLLM) -> None:
    conv = (await conversations.create_conversation(world.a.designer.actor)).id
    for content in ("", "   ", "x" * 20_001):
        with pytest.raises(InvalidInput):
            await conversations.send_message(world.a.designer.actor, conv, content=content)
    assert fake_llm.history == []


@pytest.fixture
def no_llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from tfai.settings import get_settings

    monkeypatch.delenv("TFAI_LLM_BASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_not_configured_explains_how(world: World, no_llm: None) -> None:
    status = await conversations.assistant_status()
    assert not status.configured and "TFAI_LLM_BASE_URL" in status.help
    conv = (await conversations.create_conversation(world.a.designer.actor)).id
    with pytest.raises(AssistantUnavailable) as info:
        await conversations.send_message(world.a.designer.actor, conv, content="hi")
    assert info.value.reason == "not_configured"

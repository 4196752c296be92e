"""Guards around a reply, in the service: rate limit, one reply in flight per user, the token budget reserved first."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.fixtures.fake_llm import FakeLLM, text_reply
from tests.fixtures.tenants import World
from tfai.domain.errors import Conflict, RateLimited
from tfai.domain.policy import Actor
from tfai.redis_client import get_async_redis
from tfai.services.assistant import _budget, _store, conversations
from tfai.services.assistant.dto import ReplyDTO
from tfai.services.common import ratelimit


@pytest.fixture(autouse=True)
async def _fresh(stack: object) -> None:
    await ratelimit.clear_all()


class Held:
    """A reply held open at its first progress event (before its model call), until `release()`."""

    def __init__(self, actor: Actor, conv_id: int) -> None:
        self.started, self._go = asyncio.Event(), asyncio.Event()

        async def on_event(_: Any) -> None:
            self.started.set()
            await self._go.wait()

        self.task: asyncio.Task[ReplyDTO] = asyncio.create_task(
            conversations.send_message(actor, conv_id, content="first", on_event=on_event))

    async def release(self) -> ReplyDTO:
        self._go.set()
        return await self.task


async def _held(actor: Actor) -> Held:
    held = Held(actor, (await conversations.create_conversation(actor)).id)
    await asyncio.wait_for(held.started.wait(), 10)
    return held


async def test_assistant_messages_are_limited_without_rest(world: World, fake_llm: FakeLLM, setting) -> None:  # type: ignore[no-untyped-def]
    setting(rate_assistant_per_user=1, rate_assistant_per_company=100, rate_window_seconds=3600)
    actor = world.a.designer.actor
    conv = (await conversations.create_conversation(actor)).id
    fake_llm.enqueue(text_reply("one"), text_reply("other company"))
    assert (await conversations.send_message(actor, conv, content="hello")).text == "one"
    with pytest.raises(RateLimited) as limited:
        await conversations.send_message(actor, conv, content="again")
    assert limited.value.retry_after >= 1 and len(fake_llm.history) == 1
    conv_b = (await conversations.create_conversation(world.b.designer.actor)).id
    assert (await conversations.send_message(world.b.designer.actor, conv_b, content="hi")).text == "other company"


async def test_one_reply_in_flight_per_user(world: World, fake_llm: FakeLLM) -> None:
    actor = world.a.designer.actor
    # The held reply stops before its model call, so the colleague's request is answered first.
    fake_llm.enqueue(text_reply("colleague"), text_reply("first answer"), text_reply("after"))
    held = await _held(actor)
    conv = (await conversations.create_conversation(actor)).id
    with pytest.raises(Conflict) as busy:
        await conversations.send_message(actor, conv, content="second, in parallel")
    assert busy.value.code == "assistant_busy" and "previous message" in busy.value.message
    # Another user of the same company is not blocked by this user's reply.
    colleague = world.a.admin.actor
    other = (await conversations.create_conversation(colleague)).id
    assert (await conversations.send_message(colleague, other, content="mine")).text == "colleague"
    assert (await held.release()).text == "first answer"
    assert (await conversations.send_message(actor, conv, content="now")).text == "after"  # the slot is free again


async def test_parallel_replies_cannot_overspend_the_budget(world: World, fake_llm: FakeLLM, setting) -> None:  # type: ignore[no-untyped-def]
    # Budget 250; each reply reserves 200 before the model is called; the fake model uses 160 tokens.
    setting(llm_daily_token_budget=250, llm_reply_token_reserve=200)
    fake_llm.enqueue(text_reply("first", usage=(120, 40)), text_reply("small", usage=(10, 10)))
    held = await _held(world.a.designer.actor)
    colleague = world.a.admin.actor
    conv = (await conversations.create_conversation(colleague)).id
    with pytest.raises(RateLimited):  # 0 used + 2 × 200 reserved > 250, although nothing is recorded yet
        await conversations.send_message(colleague, conv, content="in parallel")
    assert fake_llm.history == []  # refused before any model call
    assert (await held.release()).text == "first"
    key = f"{_budget.RESERVED_PREFIX}{world.a.company_id}:{_store.today().isoformat()}"
    assert int(await get_async_redis().get(key) or 0) == 0  # settled: the reservation was given back
    with pytest.raises(RateLimited):  # 160 used + 200 reserved > 250
        await conversations.send_message(colleague, conv, content="after")
    setting(llm_daily_token_budget=250, llm_reply_token_reserve=50)
    assert (await conversations.send_message(colleague, conv, content="small one")).text == "small"

"""Action use cases without a worker: callback tokens and the webhook secret, per company."""

from __future__ import annotations

import pytest

from tests.fixtures.tenants import World
from tfai.domain.errors import Forbidden, NotFound
from tfai.services.actions import callbacks


async def test_an_unknown_callback_token_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await callbacks.handle_callback("not-a-callback-token", {"delivered_at": "2026-01-02"})


async def test_rotating_the_secret_changes_only_the_own_company(world: World) -> None:
    a, b = world.a, world.b
    before_b = await callbacks.get_webhook_secret(b.admin.actor)
    rotated = await callbacks.rotate_webhook_secret(a.admin.actor)
    assert await callbacks.get_webhook_secret(a.admin.actor) == rotated != before_b
    assert await callbacks.get_webhook_secret(b.admin.actor) == before_b
    with pytest.raises(Forbidden):
        await callbacks.get_webhook_secret(a.worker1.actor)

"""A task definition carries its flow properties from the saved bundle (for the task page), in its company only."""

from __future__ import annotations

import pytest

from tests.fixtures.bundles import laptop
from tfai.domain.errors import NotFound
from tfai.services.definitions import bundles, catalog


async def test_the_task_definition_carries_its_flow_properties(world) -> None:  # type: ignore[no-untyped-def]
    bundle = laptop()
    approve = bundle["workflow"]["tasks"][0]
    approve.update(remind={"every": "P1D", "times": 2}, due="P2D", timeout={"after": "PT48H", "to": "rejected"})
    await bundles.save_bundle(world.a.designer.actor, bundle)
    found = await catalog.get_task_definition(world.a.designer.actor, "laptop-request", "approve")
    assert found.flow == {"timeout": {"after": "PT48H", "to": "rejected"}, "remind": {"every": "P1D", "times": 2},
                          "due": "P2D"}
    plain = await catalog.get_task_definition(world.a.designer.actor, "laptop-request", "order")
    assert plain.flow == {}
    with pytest.raises(NotFound):  # another company's task is not found
        await catalog.get_task_definition(world.b.designer.actor, "laptop-request", "approve")

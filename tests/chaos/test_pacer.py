"""The chaos load's rate cap: calls from all clients are given slots 1/rate apart."""

from __future__ import annotations

import asyncio

from chaos.load import Pacer


async def test_clients_sharing_a_pacer_get_evenly_spaced_slots() -> None:
    pacer = Pacer(rate=50.0)
    slots: list[float] = []

    async def client() -> None:
        for _ in range(3):
            slots.append(await pacer.wait())

    await asyncio.gather(*(client() for _ in range(4)))
    ordered = sorted(slots)
    assert len(ordered) == 12
    gaps = [round(b - a, 6) for a, b in zip(ordered, ordered[1:], strict=False)]
    assert all(gap >= round(1 / 50.0, 6) for gap in gaps)

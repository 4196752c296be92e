"""The web app starts the sandbox processes in the background at start-up and stops them at shut-down."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette

from tfai.services.common import tenant_code
from tfai.services.common.sandbox import PROCESSES
from tfai.services.common.sandbox_lifespan import sandbox_lifespan


async def test_after_start_up_the_pool_has_live_processes_and_shut_down_stops_them() -> None:
    from tfai.tfai import app  # the Reflex app module assembles the pages: imported here, not at collection

    assert sandbox_lifespan in app.get_lifespan_tasks()
    tenant_code.close_pool()
    assert tenant_code.pool().live_processes() == 0  # a fresh pool starts its processes on demand only
    tenant_code.close_pool()
    async with app._run_lifespan_tasks(Starlette()):  # what the server runs at start-up and shut-down
        pool = tenant_code.pool()
        for _ in range(3000):  # the processes start in a thread while the server already serves
            if pool.live_processes() == PROCESSES:
                break
            await asyncio.sleep(0.01)
        assert pool.live_processes() == PROCESSES
        assert await pool.run(sum, [1, 2], seconds=5) == 3
    assert pool.live_processes() == 0  # stopped at shut-down
    assert tenant_code.pool() is not pool  # and the next caller gets a new pool

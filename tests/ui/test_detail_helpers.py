"""The detail pages' shared steps: the id and query read from the URL, service errors turned into page text."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tfai.domain.errors import NotFound
from tfai.ui.state.detail_helpers import load_error, service_error, url_id


def _router(path: str, **query: str) -> SimpleNamespace:
    return SimpleNamespace(url=SimpleNamespace(path=path, query_parameters=query))


def test_url_id_reads_the_id_after_the_prefix_and_the_query() -> None:
    assert url_id(_router("/tasks/12", done="1"), "/tasks/") == (12, {"done": "1"})
    assert url_id(_router("/tickets/abc"), "/tickets/") == (0, {})
    assert url_id(_router("/tickets/5"), "/tasks/")[0] == 0
    assert url_id(None, "/tasks/") == (0, {})


async def test_service_error_runs_the_steps_in_order_and_stops_at_the_first_service_error() -> None:
    ran: list[str] = []

    async def ok(name: str) -> None:
        ran.append(name)

    async def fails() -> None:
        raise NotFound("Task not found")

    assert await service_error(lambda: ok("a"), lambda: ok("b")) == ""
    assert await service_error(lambda: ok("c"), fails, lambda: ok("never")) == "Task not found"
    assert ran == ["a", "b", "c"]


async def test_service_error_lets_other_exceptions_through() -> None:
    async def breaks() -> None:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        await service_error(breaks)


async def test_load_error_says_missing_without_an_id_and_refreshes_otherwise() -> None:
    calls: list[int] = []

    async def refresh() -> None:
        calls.append(1)

    assert await load_error(refresh, 0, "Ticket not found") == "Ticket not found"
    assert calls == []
    assert await load_error(refresh, 7, "Ticket not found") == ""
    assert calls == [1]

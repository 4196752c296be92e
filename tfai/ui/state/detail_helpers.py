"""Shared steps of the task and ticket pages' states: the id in the URL, and service calls whose errors become text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tfai.domain.errors import TfaiError
from tfai.ui.state.form_values import error_message
from tfai.ui.state.work_rows import id_from_path


def url_id(router: Any, prefix: str) -> tuple[int, Mapping[str, str]]:
    """The id after `prefix` in the page's path (0 when there is none) and the page's query parameters."""
    url = router.url if router is not None else None
    return id_from_path(url.path if url else "", prefix) or 0, (url.query_parameters if url else {})


async def service_error(*steps: Callable[[], Awaitable[Any]]) -> str:
    """Run the steps in order: '' when all of them worked, else the first service error as the page shows it."""
    try:
        for step in steps:
            await step()
    except TfaiError as exc:
        return error_message(exc)
    return ""


async def load_error(refresh: Callable[[], Awaitable[Any]], object_id: int, missing: str) -> str:
    """Fill a detail page with `refresh()`: '' when done, `missing` without an id, else the service's message."""
    if not object_id:
        return missing
    return await service_error(refresh)

"""One page of a list answer, and clamping of the requested page."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

from tfai.domain.limits import MAX_PAGE_SIZE

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A slice of a longer list: the items, the total count and where the slice is."""

    items: list[T]
    total: int
    page: int
    page_size: int


def clamp(page: int, page_size: int) -> tuple[int, int]:
    """page >= 1 and 1 <= page_size <= MAX_PAGE_SIZE."""
    return max(1, int(page)), min(MAX_PAGE_SIZE, max(1, int(page_size)))

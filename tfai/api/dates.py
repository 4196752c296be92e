"""Date filters of the list routes: ISO 8601 text only (a bare number is not a date), naive values read as UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

# pydantic alone would read "0.0" or "1700000000" as a Unix time: a date filter must start with YYYY-MM-DD.
_ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt ]|$)")
ISO_HINT = "an ISO 8601 date or date-time, e.g. 2024-01-31 or 2024-01-31T09:00:00Z (UTC without an offset)"


def _iso_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_START.match(value):
        raise ValueError(ISO_HINT)
    return value


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_utc)]

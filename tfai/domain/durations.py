"""ISO 8601 durations of timers (`P3D`, `PT48H`, `P1DT2H30M`, `P2W`) parsed into timedelta, with clear refusals."""

from __future__ import annotations

import re
from datetime import timedelta

from tfai.domain.limits import MAX_DURATION, MAX_DURATION_DAYS

# Weeks alone, or days and/or a time part of hours, minutes and seconds: whole numbers, upper case, no sign.
# Years and months are refused: they have no fixed length (P1M is 28 to 31 days), so a timer could not say when
# it fires. Fractions are refused too: a timer is not that precise (write PT90M, not PT1.5H).
DURATION_PATTERN = r"^P(?:\d+W|(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)$"
_SHAPE = re.compile(DURATION_PATTERN)
_PART = re.compile(r"(\d+)([WDHMS])")
_SECONDS = {"W": 7 * 86400, "D": 86400, "H": 3600, "M": 60, "S": 1}
EXAMPLES = "P3D (3 days), PT48H (48 hours), P1DT2H30M, PT30S or P2W"


class DurationError(ValueError):
    """A duration that cannot be used; the message says why, for a person."""


def parse_duration(value: object) -> timedelta:
    """The timedelta of an ISO 8601 duration; DurationError (with a message for people) when it is refused."""
    if not isinstance(value, str):
        raise DurationError(f"A duration is a string such as {EXAMPLES}")
    if len(value) > MAX_DURATION:
        raise DurationError(f"A duration is at most {MAX_DURATION} characters")
    text = value
    if text.startswith("-"):
        raise DurationError("A duration cannot be negative")
    if text.upper() != text and _SHAPE.match(text.upper()):
        raise DurationError(f"Write durations in upper case: {text.upper()!r}")
    if not _SHAPE.match(text) or text in ("P", "PT") or text.endswith("T"):
        raise DurationError(_why_not(text))
    date, _, time = text[1:].partition("T")
    seconds = sum(int(n) * _SECONDS[unit] for n, unit in _PART.findall(date))
    seconds += sum(int(n) * _SECONDS[unit] for n, unit in _PART.findall(time))
    if seconds <= 0:
        raise DurationError("A duration must be longer than zero")
    if seconds > MAX_DURATION_DAYS * 86400:
        raise DurationError(f"A duration is at most {MAX_DURATION_DAYS} days (P{MAX_DURATION_DAYS}D)")
    return timedelta(seconds=seconds)


def duration_problem(value: object) -> str | None:
    """Why a duration is refused, or None when it parses (for validators that report instead of raising)."""
    try:
        parse_duration(value)
    except DurationError as exc:
        return str(exc)
    return None


def format_duration(delta: timedelta) -> str:
    """The shortest ISO 8601 text of a whole-second timedelta (P1DT2H30M), for messages and dry runs."""
    total = int(delta.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "") if total > 0 else "PT0S"


def _why_not(text: str) -> str:
    body = text[1:] if text.startswith("P") else text
    date = body.partition("T")[0]
    if not text.startswith("P"):
        return f"{text!r} is not an ISO 8601 duration: it starts with P, e.g. {EXAMPLES}"
    if "Y" in date or "M" in date:
        return (f"{text!r}: years and months have no fixed length; use days or weeks instead "
                f"(P30D, P4W)")
    if "," in text or "." in text:
        return f"{text!r}: use whole numbers (PT90M rather than PT1.5H)"
    if "T" not in text and any(unit in text for unit in "HS"):
        return f"{text!r}: hours, minutes and seconds come after a T (PT48H, not P48H)"
    if "W" in text:
        return f"{text!r}: weeks stand alone (P2W); write other lengths in days (P16D)"
    return f"{text!r} is not an ISO 8601 duration such as {EXAMPLES}"

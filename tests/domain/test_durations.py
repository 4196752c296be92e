"""ISO 8601 durations for timers: what parses to what, and why the rest is refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tfai.domain.durations import (
    DURATION_PATTERN,
    DurationError,
    duration_problem,
    format_duration,
    parse_duration,
)
from tfai.domain.limits import MAX_DURATION, MAX_DURATION_DAYS


@pytest.mark.parametrize("text, expected", [
    ("P3D", timedelta(days=3)),
    ("PT48H", timedelta(hours=48)),
    ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
    ("PT30S", timedelta(seconds=30)),
    ("PT1M", timedelta(minutes=1)),
    ("P2W", timedelta(weeks=2)),
    ("PT90M", timedelta(minutes=90)),
    ("P1DT1S", timedelta(days=1, seconds=1)),
    (f"P{MAX_DURATION_DAYS}D", timedelta(days=MAX_DURATION_DAYS)),
])
def test_durations_parse_to_their_length(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert duration_problem(text) is None


@pytest.mark.parametrize("text, says", [
    ("P1Y", "years and months have no fixed length"),
    ("P2M", "years and months have no fixed length"),
    ("P1Y2M3D", "years and months have no fixed length"),
    ("-P1D", "cannot be negative"),
    ("PT0S", "longer than zero"),
    ("P0D", "longer than zero"),
    ("P0DT0H", "longer than zero"),
    ("P", "not an ISO 8601 duration"),
    ("PT", "not an ISO 8601 duration"),
    ("P1DT", "not an ISO 8601 duration"),
    ("P48H", "come after a T"),
    ("PT1.5H", "whole numbers"),
    ("PT1,5H", "whole numbers"),
    ("p3d", "upper case"),
    ("3 days", "starts with P"),
    ("", "starts with P"),
    (" P3D", "starts with P"),
    ("P1W2D", "weeks stand alone"),
    (f"P{MAX_DURATION_DAYS + 1}D", f"at most {MAX_DURATION_DAYS} days"),
    (f"PT{MAX_DURATION_DAYS * 24 + 1}H", f"at most {MAX_DURATION_DAYS} days"),
    ("P" + "9" * 60 + "D", f"at most {MAX_DURATION_DAYS} days"),
    ("P" + "1" * MAX_DURATION + "D", f"at most {MAX_DURATION} characters"),
])
def test_refused_durations_say_why(text: str, says: str) -> None:
    with pytest.raises(DurationError, match=re.escape(says)):
        parse_duration(text)
    problem = duration_problem(text)
    assert problem is not None and says in problem


@pytest.mark.parametrize("value", [3, None, 2.5, ["P1D"], {"days": 1}])
def test_a_duration_is_a_string(value: object) -> None:
    assert duration_problem(value) == "A duration is a string such as " \
        "P3D (3 days), PT48H (48 hours), P1DT2H30M, PT30S or P2W"


@given(st.integers(min_value=1, max_value=MAX_DURATION_DAYS * 86400))
def test_format_and_parse_round_trip(seconds: int) -> None:
    text = format_duration(timedelta(seconds=seconds))
    assert re.match(DURATION_PATTERN, text)
    assert parse_duration(text) == timedelta(seconds=seconds)


@given(st.text(max_size=20))
def test_any_text_parses_or_is_refused_with_a_message(text: str) -> None:
    try:
        delta = parse_duration(text)
    except DurationError as exc:
        assert str(exc)
    else:
        assert timedelta(0) < delta <= timedelta(days=MAX_DURATION_DAYS)

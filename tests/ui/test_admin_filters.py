"""The admin lists' shared filter form: defaults cover every key; submitted strings fall back and are cut."""

from __future__ import annotations

from tfai.ui.state.admin_filters import FILTER_KEYS, filter_defaults, raw_filters
from tfai.ui.state.admin_tasks import DEFAULTS as TASK_DEFAULTS
from tfai.ui.state.admin_tickets import DEFAULTS as TICKET_DEFAULTS
from tfai.ui.state.list_filters import ANY


def test_defaults_cover_every_key_and_differ_only_in_sort() -> None:
    assert tuple(filter_defaults("title")) == FILTER_KEYS
    assert filter_defaults("title")["sort"] == "title" and filter_defaults("title")["assignee"] == ANY
    assert (TASK_DEFAULTS["sort"], TICKET_DEFAULTS["sort"]) == ("created", "-created")
    assert {**TASK_DEFAULTS, "sort": ""} == {**TICKET_DEFAULTS, "sort": ""}


def test_raw_filters_fall_back_to_defaults_keep_only_known_keys_and_cut_long_values() -> None:
    raw = raw_filters({"status": "OPEN", "assignee": "", "ticket_type": "x" * 100, "search": "kept out"},
                      filter_defaults("created"))
    assert set(raw) == set(FILTER_KEYS)
    assert (raw["status"], raw["assignee"], raw["sort"], raw["created_from"]) == ("OPEN", ANY, "created", "")
    assert raw["ticket_type"] == "x" * 64

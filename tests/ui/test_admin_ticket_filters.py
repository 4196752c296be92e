"""Admin ticket filters in the UI: workflow statuses parse to the service's arguments; options for people."""

from __future__ import annotations

from datetime import UTC, datetime

from tfai.ui.state.admin_filters import FILTER_KEYS
from tfai.ui.state.admin_tickets import DEFAULTS
from tfai.ui.state.list_filters import ANY, TICKET_SORTS, WORKFLOW_STATUSES, parse_filters, status_options


def test_ticket_filters_parse_workflow_status_assignee_and_days() -> None:
    form = {"status": "ON_HOLD", "assignee": "42", "created_from": "2025-03-01", "created_to": "2025-03-02",
            "ticket_type": "laptop", "sort": "title", "search": " x "}
    f, errors = parse_filters(form, sorts=TICKET_SORTS, default_sort="-created", statuses=WORKFLOW_STATUSES)
    assert errors == {}
    assert (f.status, f.assignee_id, f.ticket_type, f.sort, f.search) == ("ON_HOLD", 42, "laptop", "title", "x")
    assert f.created_from == datetime(2025, 3, 1, tzinfo=UTC)
    assert f.created_to == datetime(2025, 3, 3, tzinfo=UTC)


def test_task_only_statuses_and_any_mean_no_filter() -> None:
    for status in ("OPEN", "PENDING", ANY, ""):
        f, errors = parse_filters({"status": status}, sorts=TICKET_SORTS, default_sort="-created",
                                  statuses=WORKFLOW_STATUSES)
        assert f.status is None and errors == {}


def test_status_options_and_defaults_cover_every_filter() -> None:
    opts = status_options(WORKFLOW_STATUSES)
    assert opts[0]["value"] == ANY and [o["value"] for o in opts[1:]] == list(WORKFLOW_STATUSES)
    assert {"value": "ON_HOLD", "label": "On hold"} in opts
    assert set(FILTER_KEYS) == set(DEFAULTS)

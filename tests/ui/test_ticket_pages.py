"""The ticket and task pages' pure helpers: paging math, readable times, DTO → row mapping, filter parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from tfai.services.tickets.dto import (
    ActionAttemptDTO,
    CommentDTO,
    FieldChangeDTO,
    FileDTO,
    TaskDetailDTO,
    TaskRefDTO,
    TaskSummaryDTO,
    TicketDetailDTO,
    TicketSummaryDTO,
    TimelineTaskDTO,
)
from tfai.ui.state.list_filters import TASK_SORTS, TASK_STATUSES, TICKET_SORTS, parse_filters, worker_options
from tfai.ui.state.task_detail import attempt_row, can_complete, task_view
from tfai.ui.state.ticket_detail import change_row, current_view, ticket_view
from tfai.ui.state.work_rows import (
    clamp_page,
    comment_row,
    file_row,
    file_rows,
    fmt_size,
    fmt_time,
    fmt_value,
    id_from_path,
    label_values,
    page_count,
    task_row,
    ticket_row,
    timeline_row,
)

T0 = datetime(2025, 3, 4, 14, 5, tzinfo=UTC)
LAPTOP = {"type": "object", "required": ["model", "price"],
          "properties": {"model": {"type": "string", "enum": ["air-13", "pro-14"]},
                         "price": {"type": "number"}, "justification": {"type": "string"}}}


def _ref(**kw: object) -> TaskRefDTO:
    return TaskRefDTO(**{"id": 7, "key": "approve", "title": "Manager approval", "type": "FORM", "status": "OPEN",
                         "assignee_id": 3, "assignee_email": "w@example.com", **kw})


@pytest.mark.parametrize(("total", "pages"), [(0, 1), (1, 1), (25, 1), (26, 2), (50, 2), (51, 3)])
def test_page_count_is_at_least_one_and_rounds_up(total: int, pages: int) -> None:
    assert page_count(total, 25) == pages


def test_clamp_page_keeps_the_page_inside_the_list() -> None:
    assert clamp_page(0, 60) == 1
    assert clamp_page(-5, 60) == 1
    assert clamp_page(3, 60) == 3
    assert clamp_page(4, 60) == 3
    assert clamp_page(2, 0) == 1


def test_times_read_as_utc_day_month_year() -> None:
    assert fmt_time(T0) == "4 Mar 2025, 14:05 UTC"
    assert fmt_time(T0.astimezone(timezone(timedelta(hours=2)))) == "4 Mar 2025, 14:05 UTC"
    assert fmt_time(datetime(2025, 3, 4, 14, 5)) == "4 Mar 2025, 14:05 UTC"
    assert fmt_time("2025-03-04T14:05:00+00:00") == "4 Mar 2025, 14:05 UTC"
    assert fmt_time(None) == "—"
    assert fmt_time("not a time") == "not a time"


def test_sizes_and_values_for_people() -> None:
    assert fmt_size(12) == "12 B"
    assert fmt_size(2048) == "2.0 KB"
    assert fmt_size(3 * 1024 * 1024) == "3.0 MB"
    assert fmt_value(True) == "Yes"
    assert fmt_value(False) == "No"
    assert fmt_value(None) == "—"
    assert fmt_value(["a", 2]) == "a, 2"
    assert fmt_value({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'


@pytest.mark.parametrize(("path", "expected"), [
    ("/tickets/12", 12), ("/tickets/12/", 12), ("/tickets/abc", None), ("/tickets/", None), ("/tickets/0", None),
    ("/tickets/-3", None), ("/tasks/12", None), ("/tickets/1" + "0" * 20, None),
])
def test_id_from_path_takes_only_a_positive_number(path: str, expected: int | None) -> None:
    assert id_from_path(path, "/tickets/") == expected


def test_label_values_follow_the_layout_then_unknown_keys() -> None:
    layout = {"sections": [{"title": "Request", "fields": ["price", "model"]}], "labels": {"price": "Price (EUR)"}}
    pairs = label_values(LAPTOP, layout, {"model": "pro-14", "price": 1999.5, "extra_note": "hi"})
    assert pairs == [
        {"label": "Price (EUR)", "value": "1999.5", "section": "Request"},
        {"label": "Model", "value": "pro-14", "section": "Request"},
        {"label": "Justification", "value": "—", "section": ""},
        {"label": "Extra note", "value": "hi", "section": ""},
    ]
    assert label_values(None, None, None) == []
    assert label_values(None, None, 5) == [{"label": "Value", "value": "5", "section": ""}]


def test_ticket_row_copies_only_what_the_list_shows() -> None:
    t = TicketSummaryDTO(id=5, title="Laptop for Ann", ticket_type="laptop", ticket_type_title="New laptop",
                         status="active", workflow_status="IN_PROGRESS", created_by=9, created_by_email="r@example.com",
                         created_at=T0, updated_at=T0, current_task=_ref())
    row = ticket_row(t)
    assert row["href"] == "/tickets/5" and row["number"] == "#5"
    assert row["status_text"] == "In progress" and row["status_color"] == "blue"
    assert row["current_task"] == "Manager approval (open)" and row["assignee"] == "w@example.com"
    assert row["requester"] == "r@example.com" and row["created"] == "4 Mar 2025, 14:05 UTC"
    assert "created_by" not in row
    empty = ticket_row(t.model_copy(update={"current_task": None, "created_by_email": None}))
    assert empty["current_task"] == "—" and empty["requester"] == "—"


def test_task_row_links_task_and_ticket() -> None:
    t = TaskSummaryDTO(id=8, key="approve", title="Manager approval", type="FORM", status="PENDING", ticket_id=5,
                       ticket_title="Laptop for Ann", ticket_type="laptop", created_at=T0)
    row = task_row(t)
    assert row["href"] == "/tasks/8" and row["ticket_href"] == "/tickets/5"
    assert row["assignee"] == "unassigned" and row["assigned"] == "—" and row["status_color"] == "amber"


def test_timeline_row_shows_outputs_as_pairs() -> None:
    x = TimelineTaskDTO(id=8, key="approve", title="Manager approval", type="FORM", status="COMPLETED",
                        assignee_email="w@example.com", created_at=T0, completed_at=T0 + timedelta(hours=1),
                        output={"approved": True, "comment": "ok"},
                        output_schema={"type": "object", "properties": {"approved": {"type": "boolean"},
                                                                        "comment": {"type": "string"}}})
    row = timeline_row(x)
    assert row["outputs"] == [{"label": "Approved", "value": "Yes", "section": ""},
                              {"label": "Comment", "value": "ok", "section": ""}]
    assert row["completed"] == "4 Mar 2025, 15:05 UTC"
    action = timeline_row(x.model_copy(update={"type": "SYNC_ACTION", "assignee_email": None, "completed_at": None,
                                               "output": None, "error": "timeout"}))
    assert action["assignee"] == "automatic" and action["completed"] == "" and action["outputs"] == []
    assert action["error"] == "timeout"


def test_files_link_to_the_checked_download_route_never_to_public_uploads() -> None:
    f = FileDTO(id=4, ticket_id=5, filename="quote.pdf", content_type="application/pdf", size=2048, uploaded_by=1,
                created_at=T0)
    row = file_row(f)
    assert row["href"] == "/api/v1/files/4"
    assert "_upload" not in row["href"] and row["size"] == "2.0 KB"
    c = comment_row(CommentDTO(id=1, ticket_id=5, author_id=2, author_email=None, body="hello", created_at=T0))
    assert c == {"id": "1", "author": "someone", "body": "hello", "created": "4 Mar 2025, 14:05 UTC"}


def _ticket(**kw: object) -> TicketDetailDTO:
    return TicketDetailDTO(**{
        "id": 5, "title": "Laptop", "ticket_type": "laptop", "ticket_type_title": "New laptop",
        "ticket_type_version": 1, "workflow_key": "laptop-request", "workflow_version": 1,
        "fields": {"model": "air-13", "price": 1}, "fields_schema": LAPTOP, "status": "active",
        "workflow_status": "ON_HOLD", "hold_reason": "waiting for budget", "created_by": 2, "created_at": T0,
        "updated_at": T0, **kw})


def test_ticket_view_has_status_hold_reason_and_current_task() -> None:
    view = ticket_view(_ticket())
    assert view["status_text"] == "On hold" and view["hold_reason"] == "waiting for budget"
    assert view["completed"] == "" and view["requester"] == "—"
    assert "fields_schema" not in view
    assert current_view(None) == {}
    assert current_view(_ref(assignee_email=None))["assignee"] == "waiting for a worker"
    assert current_view(_ref(type="SYNC_ACTION", assignee_email=None))["assignee"] == "automatic"
    assert current_view(_ref())["href"] == "/tasks/7"


def _task(**kw: object) -> TaskDetailDTO:
    return TaskDetailDTO(**{"id": 8, "key": "approve", "title": "Manager approval", "type": "FORM", "status": "OPEN",
                            "assignee_id": 3, "ticket_id": 5, "ticket_title": "Laptop", "ticket_type": "laptop",
                            "created_at": T0, "workflow_status": "IN_PROGRESS", **kw})


def test_only_open_form_tasks_of_mine_or_for_admins_offer_the_form() -> None:
    assert can_complete(_task(), 3, False)
    assert can_complete(_task(status="IN_PROGRESS"), 3, False)
    assert not can_complete(_task(), 4, False)
    assert can_complete(_task(), 4, True)
    assert not can_complete(_task(status="COMPLETED"), 3, True)
    assert not can_complete(_task(type="SYNC_ACTION"), 3, True)
    view = task_view(_task(error="boom", attempts=2))
    assert view["ticket_href"] == "/tickets/5" and view["error"] == "boom" and view["attempts"] == "2"
    a = attempt_row(ActionAttemptDTO(attempt=1, started_at=T0, status_code=502, duration_ms=120, error="bad gateway"))
    assert a == {"attempt": "1", "started": "4 Mar 2025, 14:05 UTC", "finished": "—", "status_code": "502",
                 "duration": "120 ms", "error": "bad gateway"}


def test_task_filters_parse_to_service_arguments() -> None:
    form = {"ticket_type": "laptop", "status": "ERROR", "assignee": "12", "created_from": "2025-03-01",
            "created_to": "2025-03-02", "sort": "-created"}
    f, errors = parse_filters(form, sorts=TASK_SORTS, default_sort="created", statuses=TASK_STATUSES)
    assert errors == {}
    assert (f.ticket_type, f.status, f.assignee_id, f.sort) == ("laptop", "ERROR", 12, "-created")
    assert f.created_from == datetime(2025, 3, 1, tzinfo=UTC)
    assert f.created_to == datetime(2025, 3, 3, tzinfo=UTC)  # the end day is included


def test_filter_any_and_unknown_values_mean_no_filter() -> None:
    form = {"ticket_type": "any", "status": "DROP TABLE", "assignee": "any", "sort": "-password"}
    f, errors = parse_filters(form, sorts=TICKET_SORTS, default_sort="-created", statuses=TASK_STATUSES)
    assert errors == {}
    assert (f.ticket_type, f.status, f.assignee_id, f.created_from, f.created_to) == (None, None, None, None, None)
    assert f.sort == "-created"


def test_filter_bad_days_are_field_errors() -> None:
    _, errors = parse_filters({"created_from": "yesterday"}, sorts=TASK_SORTS, default_sort="created")
    assert errors == {"created_from": "Enter a date like 2025-03-01"}
    _, errors = parse_filters({"created_from": "2025-03-05", "created_to": "2025-03-01"}, sorts=TASK_SORTS,
                              default_sort="created")
    assert errors == {"created_to": "The end is before the start"}


def test_worker_options_list_only_active_task_workers() -> None:
    def user(uid: int, roles: list[str], active: bool = True, available: bool = True) -> SimpleNamespace:
        return SimpleNamespace(id=uid, first_name="W", last_name=str(uid), email=f"w{uid}@example.com",
                               system_roles=roles, is_active=active, available=available)

    users = [user(1, ["task_worker", "user"]), user(2, ["user"]), user(3, ["task_worker"], active=False),
             user(4, ["task_worker"], available=False)]
    assert worker_options(users) == [{"value": "1", "label": "W 1 <w1@example.com>"},
                                     {"value": "4", "label": "W 4 <w4@example.com> (away)"}]


def test_file_versions_list_the_newest_then_its_older_ones() -> None:
    def f(fid: int, version: int, older: list[FileDTO] | None = None) -> FileDTO:
        return FileDTO(id=fid, ticket_id=5, filename="notes.txt", content_type="text/plain", size=3, uploaded_by=1,
                       created_at=T0, version=version, older_versions=older or [])

    rows = file_rows([f(9, 3, [f(8, 2), f(4, 1)])])
    assert [(r["version"], r["older"]) for r in rows] == [("v3", ""), ("v2", "yes"), ("v1", "yes")]
    assert [r["href"] for r in rows] == ["/api/v1/files/9", "/api/v1/files/8", "/api/v1/files/4"]


def test_field_changes_read_who_what_from_and_to() -> None:
    row = change_row(FieldChangeDTO(field="price", before=None, after={"eur": 5}, changed_by_email="r@example.com",
                                    changed_at=T0))
    assert row == {"field": "price", "before": "—", "after": '{"eur": 5}', "who": "r@example.com",
                   "when": "4 Mar 2025, 14:05 UTC"}

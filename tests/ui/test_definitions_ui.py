"""Pure helpers of the designer pages: pointer → line, problem rows, diff colours, sample data, links, saves."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tfai.domain.validate import validate
from tfai.services.definitions.dto import (
    ConditionDTO,
    DiffLineDTO,
    DryRunDTO,
    DryRunStepDTO,
    KeyVersionDTO,
    ProblemDTO,
    SavedBundleDTO,
)
from tfai.ui.components.diagram import diagram_src
from tfai.ui.state.definitions_dry_run import step_rows
from tfai.ui.state.definitions_editor import looks_like_yaml, saved_summary
from tfai.ui.state.definitions_helpers import (
    diff_rows,
    dry_run_samples,
    parse_object,
    pointer_line,
    problem_line,
    problem_rows,
    safe_href,
    sample_value,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LAPTOP = (EXAMPLES / "laptop-request.json").read_text()


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_pointer_line_finds_values_in_pasted_json() -> None:
    assert pointer_line(LAPTOP, "/workflow/tasks/1/action_url") == _line_of(LAPTOP, "vendor.example.com/api/orders")
    assert pointer_line(LAPTOP, "/workflow/transitions/0/condition") == _line_of(LAPTOP, '"output.approved"')
    assert pointer_line(LAPTOP, "") == 1


def test_pointer_line_falls_back_to_the_nearest_parent_and_reads_yaml() -> None:
    assert pointer_line(LAPTOP, "/workflow/no_such/deeper") == _line_of(LAPTOP, '"workflow": {')
    text = "format: tfai.bundle/v1\nworkflow:\n  key: a\n  tasks:\n    - key: one\n    - key: two\n      title: x/y\n"
    assert pointer_line(text, "/workflow/tasks/1") == 6
    assert pointer_line(text, "/workflow/tasks/1/title") == 7
    assert pointer_line("{ not: [valid", "/workflow") is None


def test_pointer_segments_are_unescaped() -> None:
    text = json.dumps({"a/b": {"c~d": 1}}, indent=2)
    assert pointer_line(text, "/a~1b/c~0d") == 3


def test_syntax_errors_point_at_the_line_the_parser_names() -> None:
    assert problem_line("", {"code": "document.syntax", "message": "Not valid JSON at line 7, column 3: x"}) == 7
    assert problem_line("", {"code": "document.syntax", "message": "too big"}) is None


def test_problem_rows_show_every_error_and_warning_with_its_line() -> None:
    bundle = json.loads(LAPTOP)
    bundle["workflow"]["transitions"][0]["to"] = "nowhere"
    bundle["workflow"]["tasks"][1]["action_url"] = "http://vendor.example.com/x"
    text = json.dumps(bundle, indent=2)
    report = validate(bundle)
    assert not report.valid
    rows = problem_rows(text, [ProblemDTO(**p.to_dict()) for p in report.errors],
                        [ProblemDTO(**p.to_dict()) for p in report.warnings])
    assert len(rows) == len(report.errors) + len(report.warnings)
    by_path = {r["path"]: r for r in rows}
    row = by_path["/workflow/transitions/0/to"]
    assert row["severity"] == "error" and row["line"] == str(_line_of(text, '"nowhere"'))
    assert '"nowhere"' in row["text"]


def test_problem_rows_accept_plain_dicts_and_root_problems() -> None:
    rows = problem_rows("{\n  x\n}", [{"path": "", "code": "document.syntax",
                                       "message": "Not valid JSON at line 2, column 3: y"}], [])
    assert rows[0]["path"] == "/" and rows[0]["line"] == "2" and rows[0]["text"] == "  x"
    assert rows[0]["before"] == "{" and rows[0]["after"] == "}"


def test_diff_lines_are_coloured_by_kind() -> None:
    lines = [DiffLineDTO(kind=k, text=t) for k, t in
             [("header", "--- a v1"), ("hunk", "@@ -1 +1 @@"), ("remove", "-x"), ("add", "+y"), ("context", " z")]]
    assert [(r["kind"], r["colour"]) for r in diff_rows(lines)] == [
        ("header", "gray"), ("hunk", "violet"), ("remove", "red"), ("add", "green"), ("context", "gray")]
    assert diff_rows([{"kind": "add", "text": "+q"}])[0] == {"kind": "add", "text": "+q", "colour": "green"}


def test_sample_values_follow_the_schema() -> None:
    fields = json.loads(LAPTOP)["ticket_types"][0]["fields"]
    assert sample_value(fields) == {"model": "air-13", "price": 0, "justification": "example"}
    assert sample_value({"type": "object", "properties": {
        "when": {"type": "string", "format": "date"}, "n": {"type": "integer", "minimum": 3},
        "mail": {"type": ["string", "null"], "format": "email"}, "ok": {"type": "boolean"},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 2},
        "code": {"type": "string", "minLength": 10, "maxLength": 12}, "d": {"default": 5},
    }}) == {"when": "2025-01-31", "n": 3, "mail": "someone@example.com", "ok": True, "tags": ["a", "a"],
            "code": "examplexxx", "d": 5}
    deep: dict = {"type": "object", "properties": {}}
    deep["properties"]["self"] = deep
    assert isinstance(sample_value(deep), dict)  # recursion is bounded


def test_dry_run_samples_prefill_form_outputs_and_leave_actions_waiting() -> None:
    tasks = json.loads(LAPTOP)["workflow"]["tasks"]
    samples = {s["key"]: s for s in dry_run_samples(tasks)}
    assert json.loads(samples["approve"]["text"]) == {"approved": True, "comment": "example"}
    assert samples["order"]["kind"] == "response" and samples["order"]["text"] == ""
    assert '"status": 200' in samples["order"]["placeholder"]
    assert samples["delivery"]["kind"] == "callback"
    assert parse_object("", "x") == ({}, "")
    assert parse_object("[1]", "Ticket data") == (None, "Ticket data: must be a JSON object")
    assert parse_object("{", "T")[1].startswith("T: not valid JSON at line 1")


def test_step_rows_show_each_condition_value() -> None:
    dto = DryRunDTO(workflow_key="w", outcome="waiting", path=["approve", "order"], steps=[
        DryRunStepDTO(task="approve", input={"a": 1}, output={"approved": True}, decision="task", next_task="order",
                      conditions=[ConditionDTO(index=0, to="order", condition="output.approved", value=True)]),
        DryRunStepDTO(task="order", input={"sku": "x"})])
    rows = step_rows(dto)
    assert rows[0]["conditions"] == [{"to": "order", "condition": "output.approved", "value": "true", "error": ""}]
    assert rows[1]["output"] == "" and json.loads(rows[1]["input"]) == {"sku": "x"}


def test_only_http_and_mailto_links_are_links() -> None:
    assert safe_href("https://intranet.example.com/hw") == "https://intranet.example.com/hw"
    assert safe_href("mailto:it@example.com") == "mailto:it@example.com"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "ftp://x", "https://", "mailto:", None,
                3):
        assert safe_href(bad) == ""


def test_saved_summary_names_versions_and_links() -> None:
    saved = SavedBundleDTO(workflow_key="laptop-request", workflow_version=2,
                           ticket_types=[KeyVersionDTO(key="laptop", version=1)], created=False, changed=True)
    text, links = saved_summary(saved)
    assert text == "Saved laptop-request v2 (ticket types: laptop v1)"
    assert [link["href"] for link in links] == ["/definitions/workflows/laptop-request",
                                                "/definitions/ticket-types/laptop"]


def test_yaml_detection_and_diagram_data_uri() -> None:
    assert not looks_like_yaml(LAPTOP) and looks_like_yaml("format: x") and not looks_like_yaml("  ")
    src = diagram_src(json.loads(LAPTOP)["workflow"])
    assert src.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(src.split(",", 1)[1]).decode().startswith("<svg")


def test_version_rows_show_number_time_and_author() -> None:
    from datetime import datetime
    from types import SimpleNamespace

    from tfai.ui.state.definitions_lists import version_rows

    rows = version_rows([SimpleNamespace(version=2, created_at=datetime(2026, 3, 1, 14, 5), created_by_email="d@x.io"),
                         SimpleNamespace(version=1, created_at=None, created_by_email=None)])
    assert rows == [{"version": "2", "created": "2026-03-01 14:05", "by": "d@x.io"},
                    {"version": "1", "created": "", "by": ""}]

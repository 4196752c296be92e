"""The ticket page's Edit dialog: a `file` field is a choice among the ticket's attachments (every version)."""

from __future__ import annotations

from datetime import UTC, datetime

from tfai.services.tickets.dto import FileDTO
from tfai.ui.state.form_values import coerce_values, ui_fields, with_attachment_ids
from tfai.ui.state.ticket_detail import edit_file_choices, with_file_choices

SCHEMA = {"type": "object", "properties": {"price": {"type": "number"},
                                           "quote": {"type": "string", "contentMediaType": "application/pdf"}}}
LAYOUT = {"sections": [{"fields": ["price", "quote"]}], "widgets": {"quote": "file"}}


def _file(file_id: int, name: str, version: int, older: list[FileDTO] | None = None) -> FileDTO:
    return FileDTO(id=file_id, ticket_id=1, filename=name, content_type="application/pdf", size=10, uploaded_by=1,
                   created_at=datetime(2025, 1, 1, tzinfo=UTC), version=version, older_versions=older or [])


def test_every_version_of_every_attachment_is_a_choice() -> None:
    files = [_file(17, "quote.pdf", 2, [_file(12, "quote.pdf", 1)]), _file(13, "photo.png", 1)]
    assert edit_file_choices(files) == {"quote.pdf v2 (#17)": "17", "quote.pdf v1 (#12)": "12",
                                        "photo.png v1 (#13)": "13"}
    assert edit_file_choices([]) == {}


def test_a_file_field_becomes_a_select_showing_the_file_it_names_and_sends_its_id() -> None:
    choices = edit_file_choices([_file(17, "quote.pdf", 2, [_file(12, "quote.pdf", 1)])])
    fields = with_file_choices(ui_fields(SCHEMA, LAYOUT, {"price": 5, "quote": "12"}), choices)
    quote = next(f for f in fields if f["name"] == "quote")
    assert quote["widget"] == "select" and quote["options"] == ["quote.pdf v2 (#17)", "quote.pdf v1 (#12)"]
    assert quote["value"] == "quote.pdf v1 (#12)"
    assert next(f for f in fields if f["name"] == "price")["widget"] == "number"
    posted = {"price": "5", "quote": "quote.pdf v2 (#17)"}
    values, errors = coerce_values(SCHEMA, fields, posted.get, lambda _: [])
    assert errors == {}
    assert with_attachment_ids(values, ["quote"], choices) == {"price": 5, "quote": "17"}


def test_without_attachments_the_field_stays_a_file_field_and_sends_nothing() -> None:
    fields = with_file_choices(ui_fields(SCHEMA, LAYOUT, {"price": 5}), {})
    assert [f["widget"] for f in fields] == ["number", "file"]
    values, _ = coerce_values(SCHEMA, fields, {"price": "6", "quote": "99"}.get, lambda _: [])
    assert values == {"price": 6}
    unknown = with_file_choices(ui_fields(SCHEMA, LAYOUT, {"quote": "404"}), {"a.pdf v1 (#1)": "1"})
    assert unknown[1]["value"] == ""  # a value that is no attachment (any more) shows nothing chosen

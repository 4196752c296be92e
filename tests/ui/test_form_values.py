"""The schema form's pure helpers: field dicts, coercion by schema type, and error mapping."""

from __future__ import annotations

from typing import Any

from tfai.domain.errors import Conflict, InvalidInput, NotFound
from tfai.ui.state.form_values import (
    GENERIC_ERROR,
    NO_ATTACHMENTS,
    REQUIRED,
    attachment_label,
    coerce_values,
    error_message,
    field_errors,
    ui_fields,
    unmatched_errors,
    with_attachment_choices,
    with_attachment_ids,
    with_errors,
    with_values,
)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["model", "count"],
    "properties": {
        "model": {"type": "string", "enum": ["air", "pro"], "title": "Laptop model"},
        "count": {"type": "integer", "minimum": 1},
        "budget": {"type": "number"},
        "urgent": {"type": "boolean"},
        "extras": {"type": "array", "items": {"type": "string", "enum": ["mouse", "dock"]}},
        "sizes": {"type": "array", "items": {"type": "integer", "enum": [13, 15]}},
        "needed_by": {"type": "string", "format": "date"},
        "notes": {"type": "string", "maxLength": 2000},
        "receipt": {"type": "string", "contentMediaType": "application/pdf"},
    },
}


def _submit(form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    fields = ui_fields(SCHEMA, None)

    def get(name: str) -> str | None:
        value = form.get(name)
        return value[-1] if isinstance(value, list) else value

    def getlist(name: str) -> list[str]:
        value = form.get(name)
        return value if isinstance(value, list) else ([] if value is None else [value])

    return coerce_values(SCHEMA, fields, get, getlist)


def test_ui_fields_are_plain_dicts_with_widgets_and_labels() -> None:
    fields = {f["name"]: f for f in ui_fields(SCHEMA, {"labels": {"notes": "Anything else?"}}, {"count": 2})}
    assert fields["model"]["widget"] == "select"
    assert fields["model"]["label"] == "Laptop model"
    assert fields["model"]["options"] == ["air", "pro"]
    assert fields["model"]["required"] is True
    assert fields["count"]["widget"] == "integer"
    assert fields["count"]["value"] == "2"
    assert fields["budget"]["widget"] == "number"
    assert fields["urgent"]["widget"] == "checkbox"
    assert fields["extras"]["widget"] == "multiselect"
    assert fields["sizes"]["options"] == ["13", "15"]
    assert fields["needed_by"]["widget"] == "date"
    assert fields["notes"]["widget"] == "textarea"
    assert fields["notes"]["label"] == "Anything else?"
    assert fields["receipt"]["widget"] == "file"
    assert all(f["error"] == "" for f in fields.values())


def test_values_are_coerced_by_schema_type() -> None:
    data, errors = _submit({"model": "pro", "count": "3", "budget": "1499.5", "urgent": "on",
                            "extras": ["mouse", "dock"], "sizes": ["15"], "needed_by": "2030-01-31",
                            "notes": "", "receipt": "ignored"})
    assert errors == {}
    assert data == {"model": "pro", "count": 3, "budget": 1499.5, "urgent": True, "extras": ["mouse", "dock"],
                    "sizes": [15], "needed_by": "2030-01-31"}


def test_unchecked_checkbox_is_false_and_empty_optionals_are_left_out() -> None:
    data, errors = _submit({"model": "air", "count": "1", "budget": "  "})
    assert errors == {}
    assert data == {"model": "air", "count": 1, "urgent": False, "extras": [], "sizes": []}


def test_whole_numbers_stay_ints_for_number_fields() -> None:
    data, _ = _submit({"model": "air", "count": "1", "budget": "1200"})
    assert data["budget"] == 1200 and isinstance(data["budget"], int)


def test_unreadable_and_missing_values_are_field_errors() -> None:
    data, errors = _submit({"model": "", "count": "2.5", "budget": "lots", "sizes": ["x"]})
    assert errors == {"model": REQUIRED, "count": "Enter a whole number", "budget": "Enter a number",
                      "sizes": "Enter a whole number"}
    assert "count" not in data and "budget" not in data


def test_non_finite_numbers_are_refused() -> None:
    _, errors = _submit({"model": "air", "count": "1", "budget": "nan"})
    assert errors == {"budget": "Enter a number"}


def test_invalid_input_details_map_to_fields() -> None:
    exc = InvalidInput("Some fields are not valid", details=[
        {"field": "email", "message": "Enter a valid email address"},
        {"field": "email", "message": "second message is ignored"},
        {"path": "/count", "message": "must be at least 1"},
        {"path": "data.budget", "message": "too high"},
        {"path": ["extras", 0], "message": "unknown extra"},
        {"message": "no field at all"},
        "not a dict",
    ])
    assert field_errors(exc) == {"email": "Enter a valid email address", "count": "must be at least 1",
                                 "budget": "too high", "extras": "unknown extra"}


def test_errors_without_details_map_to_nothing_and_messages_never_leak_internals() -> None:
    assert field_errors(NotFound("User not found")) == {}
    assert field_errors(Conflict("taken", details={"retry_after": 3})) == {}
    assert error_message(NotFound("User not found")) == "User not found"
    assert error_message(RuntimeError("psycopg: password authentication failed")) == GENERIC_ERROR


def test_errors_and_values_are_shown_on_copies_of_the_fields() -> None:
    fields = ui_fields(SCHEMA, None)
    shown = with_errors(with_values(fields, {"count": 4, "urgent": True, "extras": ["dock"]}),
                        {"count": "too many", "nowhere": "lost"})
    by_name = {f["name"]: f for f in shown}
    assert by_name["count"]["error"] == "too many" and by_name["count"]["value"] == "4"
    assert by_name["urgent"]["checked"] is True
    assert by_name["extras"]["selected"] == ["dock"]
    assert by_name["model"]["error"] == ""
    assert all(f["error"] == "" for f in fields), "the original list is not modified"
    assert unmatched_errors({"count": "too many", "nowhere": "lost"}, shown) == ["nowhere: lost"]


def test_file_fields_choose_among_the_ticket_attachments_and_submit_their_ids() -> None:
    schema = {"type": "object", "properties": {"quote": {"type": "string", "contentMediaType": "application/pdf"},
                                               "note": {"type": "string"}}}
    fields = ui_fields(schema, None)
    assert [f["widget"] for f in fields] == ["file", "text"]
    labels = [attachment_label(7, "quote.pdf"), attachment_label(9, "quote.pdf")]
    assert labels == ["quote.pdf (#7)", "quote.pdf (#9)"]
    chosen = with_attachment_choices(fields, labels)
    assert chosen[0]["widget"] == "select" and chosen[0]["options"] == labels and chosen[1] == fields[1]
    assert with_attachment_choices(fields, [])[0] == {**fields[0], "help": NO_ATTACHMENTS}
    choices = {labels[0]: "7", labels[1]: "9"}
    sent = {"quote": "quote.pdf (#9)", "note": "quote.pdf (#9)"}
    assert with_attachment_ids(sent, ["quote"], choices) == {"quote": "9", "note": "quote.pdf (#9)"}
    assert with_attachment_ids({"quote": "forged"}, ["quote"], choices) == {"quote": "forged"}  # the service refuses it
    assert with_attachment_ids({}, ["quote"], choices) == {}

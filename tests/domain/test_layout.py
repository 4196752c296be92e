"""Layouts: default forms from a schema alone, sections and widgets from a layout."""

from __future__ import annotations

import pytest

from tfai.domain.layout import FormField, default_widget, form_fields, widget_fits

SCHEMA = {
    "type": "object",
    "required": ["model", "price"],
    "properties": {
        "model": {"type": "string", "enum": ["air-13", "pro-14"], "title": "Laptop model"},
        "price": {"type": "number", "description": "Incl. VAT"},
        "justification": {"type": "string", "maxLength": 4000},
        "urgent": {"type": "boolean"},
        "start": {"type": "string", "format": "date"},
        "contact": {"type": "string", "format": "email"},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
        "receipt": {"type": "string", "contentMediaType": "application/pdf"},
        "meta": {"type": "object"},
        "short_name": {"type": "string"},
    },
}


def test_default_layout_from_schema() -> None:
    fields = form_fields(SCHEMA, None)
    assert [f.name for f in fields] == list(SCHEMA["properties"])
    by = {f.name: f for f in fields}
    assert by["model"] == FormField(
        name="model", label="Laptop model", widget="select", required=True, options=["air-13", "pro-14"]
    )
    assert by["price"].widget == "number" and by["price"].help == "Incl. VAT" and by["price"].required
    assert {n: by[n].widget for n in ("justification", "urgent", "start", "contact", "tags", "receipt", "meta")} == {
        "justification": "textarea", "urgent": "checkbox", "start": "date", "contact": "email",
        "tags": "multiselect", "receipt": "file", "meta": "readonly",
    }  # fmt: skip
    assert by["short_name"].label == "Short name" and by["short_name"].widget == "text"


def test_layout_orders_sections_and_overrides() -> None:
    layout = {
        "sections": [{"title": "Money", "fields": ["price"]}, {"title": "Why", "fields": ["justification", "model"]}],
        "widgets": {"model": "readonly"},
        "labels": {"price": "Cost"},
        "help": {"justification": "Be brief"},
        "placeholders": {"justification": "Because..."},
    }
    fields = form_fields(SCHEMA, layout)
    assert [(f.name, f.section) for f in fields[:3]] == [("price", "Money"), ("justification", "Why"), ("model", "Why")]
    assert fields[3].section is None  # unlisted fields follow without a section
    assert fields[0].label == "Cost"
    assert fields[1].help == "Be brief" and fields[1].placeholder == "Because..."
    assert fields[2].widget == "readonly"


def test_invalid_layout_falls_back_to_default() -> None:
    assert form_fields(SCHEMA, {"sections": "nope"}) == form_fields(SCHEMA, None)
    assert form_fields({}, None) == []


@pytest.mark.parametrize(
    ("widget", "prop", "fits"),
    [
        ("textarea", {"type": "string"}, True),
        ("checkbox", {"type": "string"}, False),
        ("number", {"type": ["integer", "null"]}, True),
        ("select", {"enum": [1, 2]}, True),
        ("multiselect", {"type": "string"}, False),
        ("readonly", {"type": "object"}, True),
        ("date", {"type": "number"}, False),
    ],
)
def test_widget_fits(widget: str, prop: dict[str, object], fits: bool) -> None:
    assert widget_fits(widget, prop) is fits


def test_default_widget_of_nonsense_is_readonly() -> None:
    assert default_widget(None) == "readonly"

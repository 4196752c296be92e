"""The generic schema form renders for every widget from a state holding field dicts."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.schema_form import schema_form
from tfai.ui.state.form_values import ui_fields
from tfai.ui.state.schema_form import SchemaFormMixin

SCHEMA: dict[str, Any] = {"type": "object", "required": ["title"], "properties": {
    "title": {"type": "string"}, "count": {"type": "integer"}, "ok": {"type": "boolean"},
    "tags": {"type": "array", "items": {"enum": ["a", "b"]}}, "kind": {"enum": ["x", "y"]},
    "when": {"type": "string", "format": "date"}, "mail": {"type": "string", "format": "email"},
    "file": {"type": "string", "contentEncoding": "base64"}, "obj": {"type": "object"},
    "notes": {"type": "string", "maxLength": 5000}, "price": {"type": "number"}}}


class _PreviewFormState(SchemaFormMixin, rx.State):
    async def submit(self, form_data: dict[str, Any]) -> None:
        self._form_collect(form_data)


def test_schema_form_renders_every_widget() -> None:
    rendered = str(schema_form(_PreviewFormState, submit_label="Send").render())
    for widget in ("textarea", "number", "integer", "date", "email", "checkbox", "select", "multiselect", "file",
                   "readonly"):
        assert f'"{widget}"' in rendered, widget
    assert "Send" in rendered


def test_read_only_preview_has_no_submit_button() -> None:
    rendered = str(schema_form(_PreviewFormState, read_only=True).render())
    assert "Submit" not in rendered


def test_every_default_widget_of_the_schema_is_one_the_form_renders() -> None:
    widgets = {f["widget"] for f in ui_fields(SCHEMA, None)}
    assert widgets == {"text", "integer", "checkbox", "multiselect", "select", "date", "email", "file", "readonly",
                       "textarea", "number"}

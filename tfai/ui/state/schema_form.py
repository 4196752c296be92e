"""State mixin for pages that render a generic JSON-Schema form (see tfai/ui/components/schema_form.py)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.utils.form import FormData

from tfai.domain.errors import TfaiError
from tfai.domain.layout import Layout
from tfai.ui.state.form_values import (
    coerce_values,
    error_message,
    field_errors,
    ui_fields,
    unmatched_errors,
    with_errors,
    with_values,
)


class SchemaFormMixin(rx.State, mixin=True):
    """Holds one generic form: its field dicts, its errors and a key that remounts the inputs.

    The schema itself stays in the backend-only `_form_schema` (the browser only gets field dicts).
    """

    fields: list[dict[str, Any]] = []
    form_error: str = ""
    form_problems: list[str] = []
    form_key: int = 0
    form_busy: bool = False
    _form_schema: dict[str, Any] = {}

    def _form_setup(self, schema: dict[str, Any], layout: Layout | dict[str, Any] | None,
                    values: dict[str, Any] | None = None) -> None:
        """Show a new form (schema + layout, optional typed initial values) and clear old errors."""
        self._form_schema = schema
        self.fields = ui_fields(schema, layout, values)
        self.form_error, self.form_problems = "", []
        self.form_key += 1

    def _form_collect(self, form_data: FormData | dict[str, Any]) -> dict[str, Any] | None:
        """Typed data from a submit; None (with the errors shown) when some value cannot be read."""
        data = form_data if isinstance(form_data, FormData) else FormData(form_data)

        def get(name: str) -> str | None:
            value = data.get(name)
            return None if value is None else str(value)

        def getlist(name: str) -> list[str]:
            return [str(v) for v in data.getlist(name)]

        values, errors = coerce_values(self._form_schema, self.fields, get, getlist)
        self.fields = with_errors(with_values(self.fields, values), errors)
        if errors:
            self.form_error = "Please correct the highlighted fields."
            self.form_problems = []
            return None
        self.form_error, self.form_problems = "", []
        return values

    def _form_fail(self, exc: BaseException) -> None:
        """Show a service error: field errors under their fields, the rest in the summary callout."""
        errors = field_errors(exc) if isinstance(exc, TfaiError) else {}
        self.fields = with_errors(self.fields, errors)
        self.form_error = error_message(exc)
        self.form_problems = unmatched_errors(errors, self.fields)

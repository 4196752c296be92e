"""Generic form renderer for a JSON Schema + declarative layout, driven by field dicts held in state.

Reflex compiles pages ahead of time, so the form is rendered with `rx.foreach` over the state's
`fields: list[dict]` (built by `tfai.ui.state.form_values.ui_fields` from `tfai.domain.layout.form_fields`)
and `rx.match` on each field's widget. Use it like this::

    from reflex_base.utils.form import FormData
    from tfai.ui.components.schema_form import schema_form
    from tfai.ui.state.auth import AuthState
    from tfai.ui.state.guard import guarded
    from tfai.ui.state.schema_form import SchemaFormMixin

    class SubmitTicketState(SchemaFormMixin, AuthState):
        @rx.event
        @guarded()                                               # the actor comes from the session
        async def load(self, actor: Actor):
            tt = await tickets.get_ticket_type(actor, ...)          # a DTO with schema + layout
            self._form_setup(tt.schema_, tt.layout, values=None)  # fields, cleared errors, remount

        @rx.event
        @guarded()
        async def submit(self, actor: Actor, form_data: FormData):  # annotate FormData: keeps repeated names
            data = self._form_collect(form_data)                  # coerced by schema type, or None + errors
            if data is None:
                return None
            try:
                await tickets.submit(actor, ..., data=data)
            except TfaiError as exc:
                self._form_fail(exc)                              # InvalidInput details → under each field
                return None
            return rx.redirect("/tickets/mine")

    def page():
        return app_page(schema_form(SubmitTicketState, submit_label="Submit"), title="Submit ticket")

Field dict keys: name, label, widget (text, textarea, number, integer, checkbox, select, multiselect,
date, email, file, readonly), required, options (strings), help, placeholder, section, value (string),
selected (list of strings, multiselect), checked (bool), error. Checkboxes submit "on" or nothing; a
multiselect submits one entry per ticked option; `coerce_values` turns them into booleans, arrays,
ints and floats by the schema, and drops empty optional values. `file` fields show a note that files are
attached after submitting, unless the page passes a `file_widget` (Submit ticket: components/file_slots.py,
which sends the chosen files with the form). For a read-only preview (e.g. a
definition), pass `read_only=True`: no submit button and disabled inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from tfai.ui.components.forms import error_summary, field_error, submit_button

# The input of a `file` field, when the page takes files with the form (components/file_slots.py).
FileWidget = Callable[[Any], rx.Component]


def _input(f: Any, disabled: bool, **props: Any) -> rx.Component:
    return rx.input(name=f["name"].to(str), id=f["name"].to(str), default_value=f["value"].to(str),
                    placeholder=f["placeholder"].to(str), required=f["required"].to(bool), disabled=disabled,
                    width="100%", **props)


def _options(f: Any, disabled: bool) -> rx.Component:
    return rx.flex(
        rx.foreach(f["options"].to(list[str]), lambda opt: rx.checkbox(
            opt, name=f["name"].to(str), value=opt, default_checked=f["selected"].to(list[str]).contains(opt),
            disabled=disabled)),
        wrap="wrap", spacing="4",
    )


def _file_note() -> rx.Component:
    return rx.callout.root(rx.callout.icon(rx.icon("paperclip")),
                           rx.callout.text("Attach files on the ticket page after submitting."),
                           size="1", color_scheme="gray", variant="surface")


def widget(f: Any, disabled: bool = False, file_widget: FileWidget | None = None) -> rx.Component:
    """The input for one field dict, chosen by its widget (`file` fields: file_widget, else a note)."""
    name = f["name"].to(str)
    return rx.match(
        f["widget"].to(str),
        ("textarea", rx.text_area(name=name, id=name, default_value=f["value"].to(str),
                                  placeholder=f["placeholder"].to(str), required=f["required"].to(bool),
                                  disabled=disabled, width="100%", rows="4")),
        ("number", _input(f, disabled, type="number", step="any")),
        ("integer", _input(f, disabled, type="number", step="1")),
        ("date", _input(f, disabled, type="date")),
        ("email", _input(f, disabled, type="email")),
        ("checkbox", rx.checkbox(f["label"].to(str), name=name, id=name, default_checked=f["checked"].to(bool),
                                 disabled=disabled)),
        ("select", rx.select(f["options"].to(list[str]), name=name, default_value=f["value"].to(str),
                             placeholder=rx.cond(f["placeholder"].to(str) != "", f["placeholder"].to(str),
                                                 "Choose…"),
                             required=f["required"].to(bool), disabled=disabled, width="100%")),
        ("multiselect", _options(f, disabled)),
        ("file", file_widget(f) if file_widget is not None else _file_note()),
        ("readonly", rx.text(rx.cond(f["value"].to(str) != "", f["value"].to(str), "—"), size="2",
                             color_scheme="gray")),
        _input(f, disabled, type="text"),
    )


def schema_field(f: Any, disabled: bool = False, file_widget: FileWidget | None = None) -> rx.Component:
    """Label (not repeated for checkboxes), input, help and the inline error of one field dict."""
    return rx.vstack(
        rx.cond(
            f["widget"].to(str) != "checkbox",
            rx.el.label(
                rx.text(f["label"].to(str), size="2", weight="medium"),
                rx.cond(f["required"].to(bool), rx.text("*", as_="span", color_scheme="red", size="2")),
                html_for=f["name"].to(str), display="flex", gap="0.2em",
            ),
        ),
        widget(f, disabled, file_widget),
        rx.cond(f["help"].to(str) != "", rx.text(f["help"].to(str), size="1", color_scheme="gray")),
        field_error(f["error"].to(str)),
        spacing="1", width="100%", align="stretch",
    )


def _section_title(f: Any, index: Any, fields: Any) -> rx.Component:
    """A section heading before the first field of each section."""
    prev = rx.cond(index > 0, fields[rx.cond(index > 0, index - 1, 0)]["section"].to(str), "")
    first = (index == 0) | (prev != f["section"].to(str))
    return rx.cond(first & (f["section"].to(str) != ""),
                   rx.heading(f["section"].to(str), size="4", padding_top="0.5em"))


def schema_fields(state: Any, disabled: bool = False, file_widget: FileWidget | None = None) -> rx.Component:
    """Every field of the state's `fields`, with section headings."""
    fields = state.fields
    return rx.vstack(
        rx.foreach(fields, lambda f, i: rx.fragment(_section_title(f, i, fields),
                                                    schema_field(f, disabled, file_widget))),
        spacing="4", width="100%",
    )


def schema_form(state: Any, *, submit_label: str = "Submit", on_submit: Any = None,
                read_only: bool = False, extra: rx.Component | None = None,
                file_widget: FileWidget | None = None) -> rx.Component:
    """The whole form: error summary, fields and submit button (on_submit defaults to state.submit)."""
    if read_only:
        return rx.vstack(schema_fields(state, disabled=True), width="100%")
    return rx.form(
        rx.vstack(
            error_summary(state.form_error, state.form_problems),
            schema_fields(state, file_widget=file_widget),
            *([extra] if extra is not None else []),
            submit_button(submit_label, loading=state.form_busy),
            spacing="4", width="100%", align="start",
        ),
        on_submit=on_submit if on_submit is not None else state.submit,
        key=state.form_key,
        width="100%",
    )

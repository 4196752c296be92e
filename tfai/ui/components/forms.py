"""Form building blocks: a labelled field with help and an inline error, an error summary, a submit button."""

from __future__ import annotations

from typing import Any

import reflex as rx


def field_error(message: Any) -> rx.Component:
    """A field's error message, shown only when there is one."""
    return rx.cond(
        message != "",
        rx.text(message, size="1", color_scheme="red", role="alert"),
    )


def field(
    label: str,
    control: rx.Component,
    *,
    error: Any = "",
    help: str = "",
    required: bool = False,
) -> rx.Component:
    """A label above the control, help below it, and the inline error under that."""
    return rx.vstack(
        rx.el.label(
            rx.text(label, size="2", weight="medium"),
            rx.cond(required, rx.text("*", as_="span", color_scheme="red", size="2")),
            display="flex", gap="0.2em",
        ),
        control,
        *([rx.text(help, size="1", color_scheme="gray")] if help else []),
        field_error(error),
        spacing="1", width="100%", align="stretch",
    )


def text_field(
    label: str,
    name: str,
    *,
    error: Any = "",
    help: str = "",
    type: str = "text",
    required: bool = False,
    placeholder: str = "",
    default_value: Any = None,
    autocomplete: str | None = None,
    max_length: int = 500,
) -> rx.Component:
    """A labelled single-line input submitted under `name`."""
    props: dict[str, Any] = {"name": name, "id": name, "type": type, "required": required,
                             "placeholder": placeholder, "max_length": max_length, "width": "100%"}
    if default_value is not None:
        props["default_value"] = default_value
    if autocomplete:
        props["auto_complete"] = autocomplete
    return field(label, rx.input(**props), error=error, help=help, required=required)


def error_summary(message: Any, items: Any = None) -> rx.Component:
    """A red callout with the form's main error and, optionally, a list of further problems."""
    body: list[rx.Component] = [rx.text(message)]
    if items is not None:
        body.append(rx.el.ul(rx.foreach(items, lambda item: rx.el.li(rx.text(item, size="2"))),
                             padding_left="1.2em"))
    return rx.cond(
        message != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-alert")),
            rx.vstack(*body, spacing="1"),
            color_scheme="red", role="alert", width="100%",
        ),
    )


def success_note(message: Any) -> rx.Component:
    """A green callout confirming something worked."""
    return rx.cond(
        message != "",
        rx.callout.root(rx.callout.icon(rx.icon("circle-check")), rx.callout.text(message),
                        color_scheme="green", width="100%"),
    )


def submit_button(label: str, *, loading: Any = False, **props: Any) -> rx.Component:
    """The form's submit button; shows a spinner and is disabled while the form is being handled."""
    return rx.button(label, type="submit", loading=loading, disabled=loading, **props)

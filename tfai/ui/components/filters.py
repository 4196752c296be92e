"""The admin lists' filter form: type, status, assignee, created days, sort, Apply and Clear."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.forms import field_error
from tfai.ui.components.work import choice


def day_filter(state: Any, name: str, label: str) -> rx.Component:
    """A date input refilled from `state.filters[name]`, with its parse error under it."""
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.input(type="date", name=name, default_value=state.filters[name], width="160px",
                              id=f"filter-{name}"),
                     field_error(state.filter_errors.get(name, "")), spacing="1")


def filter_form(state: Any, *lead: rx.Component, form_id: str, on_submit: Any, type_label: str) -> rx.Component:
    """The form (after any `lead` fields); Clear calls `state.clear_filters`, a new `filter_key` resets it."""
    return rx.form(
        rx.flex(
            *lead,
            choice("ticket_type", state.type_choices, state.filters["ticket_type"], label=type_label),
            choice("status", state.status_choices, state.filters["status"], width="150px", label="Status"),
            choice("assignee", state.worker_choices, state.filters["assignee"], width="220px", label="Assignee"),
            day_filter(state, "created_from", "Created from"),
            day_filter(state, "created_to", "Created to"),
            choice("sort", state.sort_choices, state.filters["sort"], label="Sort"),
            rx.button(rx.icon("filter", size=16), "Apply", type="submit", variant="soft", id="apply-filters"),
            rx.button("Clear", type="button", variant="ghost", on_click=state.clear_filters),
            wrap="wrap", gap="3", align="end"),
        on_submit=on_submit, reset_on_submit=False, key=state.filter_key, id=form_id, width="100%",
    )

"""Submit ticket: pick a type I may submit, fill its generated form, land on the new ticket."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.file_slots import SLOTS, slot_widget, with_all_slots
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.components.schema_form import schema_form
from tfai.ui.components.work import empty_state, loading_block
from tfai.ui.state.ticket_new import SubmitTicketState

S: Any = SubmitTicketState


def _card(t: Any) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("file-text", size=18, color="var(--accent-9)"),
                      rx.text(t["title"], weight="medium"), align="center", spacing="2"),
            rx.text(rx.cond(t["description"] != "", t["description"], "No description."), size="2",
                    color_scheme="gray"),
            rx.button("Start", size="1", variant="soft", on_click=S.choose(t["key"])),
            spacing="2", align="start"),
        width="100%", class_name="type-card",
    )


def _types() -> rx.Component:
    return rx.cond(
        S.types.length() > 0,
        rx.vstack(
            rx.text("What do you need? Choose the kind of request.", color_scheme="gray"),
            rx.grid(rx.foreach(S.types, _card), columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                    spacing="3", width="100%", id="ticket-types"),
            width="100%", spacing="3"),
        empty_state("file-x", "Nothing to submit yet",
                    "Your company has no ticket types your roles may submit. Ask an administrator."),
    )


def _form_with_files() -> rx.Component:
    """The form whose `file` fields take files: the submit is one upload carrying the values and every chosen file."""
    def submit(form_data: Any) -> Any:
        return with_all_slots(S.submit_files(form_data, rx.upload_files(upload_id=SLOTS[0])))

    return schema_form(S, submit_label="Submit ticket", on_submit=submit, file_widget=slot_widget(S.max_upload))


def _form() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.vstack(rx.heading(S.chosen_title, size="5", id="chosen-type"),
                      rx.cond(S.chosen_description != "", rx.text(S.chosen_description, size="2",
                                                                   color_scheme="gray")), spacing="1"),
            rx.spacer(),
            rx.cond(S.types.length() > 1, rx.button(rx.icon("arrow-left", size=14), "Other types", size="1",
                                                    variant="ghost", on_click=S.back)),
            width="100%", align="start"),
        rx.box(rx.cond(S.has_files, _form_with_files(), schema_form(S, submit_label="Submit ticket")),
               id="ticket-form", width="100%"),
        spacing="4", width="100%"), width="100%")


@rx.page(route="/tickets/new", title="Submit ticket · tfai", on_load=S.load)
def submit_ticket() -> rx.Component:
    return app_page(
        error_summary(S.error),
        rx.cond(S.loading | ~S.loaded, loading_block(), rx.cond(S.chosen_key != "", _form(), _types())),
        title="Submit ticket",
    )

"""Ticket type page: the requester's form exactly as they see it (disabled), roles allowed, workflow started."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.definitions import definition_page, ext_ref_links, json_block, kv, version_links
from tfai.ui.components.schema_form import schema_form
from tfai.ui.state.definitions_ticket_type import TicketTypeDetailState

S: Any = TicketTypeDetailState


def _edit() -> rx.Component:
    """Open the bundle of the workflow it starts in the editor with the cursor on this ticket type (designers and
    admins only)."""
    href = "/definitions/upload?from=" + S.wf_key.to(str) + "&at=/ticket_types/" + S.item_key.to(str)
    return rx.cond(S.is_designer, rx.link(rx.button(rx.icon("pencil", size=16), "Edit", variant="soft"),
                                          href=href, id="edit-ticket-type"))


@rx.page(route="/definitions/ticket-types/[ticket_type_key]", title="Ticket type · tfai", on_load=S.load)
def definition_ticket_type() -> rx.Component:
    return definition_page(S, noun="Ticket type", parents=(("Ticket types", "/definitions/ticket-types"),),
                           heading_id="tt-title", body=(
            _edit(),
            rx.card(rx.vstack(
                kv("Key", rx.code(S.item_key)),
                kv("Version", rx.hstack(rx.badge("v", S.version),
                                        version_links(S, "/definitions/ticket-types/", list_id="tt-versions"))),
                kv("Description", S.description),
                ext_ref_links(S, list_id="tt-links"),
                kv("Starts workflow", rx.link(rx.cond(S.wf_title != "", S.wf_title, S.wf_key), " (", S.wf_key, ")",
                                              href="/definitions/workflows/" + S.wf_key.to(str), id="tt-workflow")),
                kv("Company roles allowed", rx.cond(
                    S.roles.length() > 0,
                    rx.flex(rx.foreach(S.roles, lambda r: rx.badge(r, color_scheme="teal")), wrap="wrap", gap="2"),
                    rx.text("nobody (only admins may submit it)", size="2", color_scheme="gray"))),
                spacing="2", width="100%"), width="100%"),
            rx.card(rx.vstack(
                rx.heading("Form preview", size="4"),
                rx.text("What a requester sees when submitting this ticket type (disabled here).", size="2",
                        color_scheme="gray"),
                rx.box(schema_form(S, read_only=True), id="tt-form-preview", width="100%"),
                spacing="3", width="100%"), width="100%"),
            json_block("Definition", S.section_json)))

"""The page frame: header with navigation, content area, footer."""

from __future__ import annotations

import reflex as rx

BRAND = "tfai"


def header(*links: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.link(rx.heading(BRAND, size="6", color_scheme="violet"), href="/", underline="none"),
        rx.text("by Ticketflower", size="2", color_scheme="gray"),
        rx.spacer(),
        *links,
        align="center", width="100%", padding_x="1.5em", padding_y="0.8em",
        border_bottom="1px solid var(--gray-a5)", spacing="4",
    )


def public_page(*children: rx.Component, title: str = "") -> rx.Component:
    """A page for visitors who are not logged in."""
    return rx.box(
        header(rx.link("Log in", href="/login"), rx.button("Sign up", on_click=rx.redirect("/signup"))),
        rx.container(
            rx.vstack(*( [rx.heading(title, size="7")] if title else [] ), *children, spacing="5", width="100%"),
            size="3", padding_y="2em",
        ),
    )

"""The landing page: what tfai is, with sign-up and login."""

from __future__ import annotations

import reflex as rx

from tfai.ui.components.layout import public_page


def _feature(icon: str, title: str, text: str) -> rx.Component:
    return rx.card(rx.vstack(rx.icon(icon, size=22), rx.heading(title, size="4"), rx.text(text, size="2"),
                             spacing="2"), width="100%")


@rx.page(route="/", title="tfai · tickets and workflows")
def landing() -> rx.Component:
    return public_page(
        rx.heading("Tickets and workflows your team designs by describing them", size="8"),
        rx.text("Describe a process in plain words; the assistant drafts the ticket types, forms and workflow, "
                "checks them, and you accept them. Requests then flow to the right people and systems.",
                size="4", color_scheme="gray"),
        rx.hstack(rx.button("Create your company", size="3", on_click=rx.redirect("/signup")),
                  rx.button("Log in", size="3", variant="outline", on_click=rx.redirect("/login")),
                  spacing="3"),
        rx.grid(
            _feature("sparkles", "Assistant-drafted", "Every draft is validated and waits for a human to accept."),
            _feature("users", "Right person, right time", "Form tasks go to the least-loaded available worker."),
            _feature("plug", "Connected", "Actions call your systems, signed, retried, exactly once."),
            _feature("shield-check", "Isolated", "Each company sees only its own data, enforced twice."),
            columns="2", spacing="4", width="100%",
        ),
    )

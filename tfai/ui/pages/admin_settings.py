"""Company settings (admins): the webhook signing secret of outbound action requests, revealed and rotated."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.components.work import loading_block
from tfai.ui.state.admin_settings import AdminSettingsState

S: Any = AdminSettingsState


def _rotate() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(rx.icon("refresh-cw", size=16), "Rotate secret", color_scheme="red",
                                          variant="soft", loading=S.rotating, id="rotate-secret")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Rotate the signing secret?"),
            rx.alert_dialog.description(
                "Every action request is signed with the new secret from now on. Receivers that still check the "
                "old one will reject requests until you update them."),
            rx.hstack(rx.alert_dialog.cancel(rx.button("Keep the current one", variant="soft", color_scheme="gray")),
                      rx.alert_dialog.action(rx.button("Rotate", color_scheme="red", on_click=S.rotate,
                                                       id="confirm-rotate")),
                      spacing="3", justify="end", margin_top="1em")))


def _secret_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Webhook signing secret", size="4"),
        rx.text("Outbound SYNC_ACTION and ASYNC_ACTION requests carry Standard Webhooks headers "
                "(webhook-id, webhook-timestamp, webhook-signature). Receivers verify the HMAC-SHA256 signature "
                "with this secret.", size="2", color_scheme="gray"),
        rx.el.label("Secret", html_for="webhook-secret", font_size="var(--font-size-2)", font_weight="500"),
        rx.hstack(
            rx.input(value=rx.cond(S.revealed, S.secret, S.masked_secret), read_only=True, id="webhook-secret",
                     font_family="var(--code-font-family)", width="100%", max_width="34em"),
            rx.button(rx.cond(S.revealed, rx.icon("eye-off", size=16), rx.icon("eye", size=16)),
                      rx.cond(S.revealed, "Hide", "Reveal"), variant="soft", on_click=S.toggle_reveal,
                      id="reveal-secret"),
            spacing="2", width="100%", wrap="wrap"),
        rx.hstack(_rotate(), spacing="3"),
        # A revealed secret leaves the tab's state with the page.
        spacing="3", width="100%"), width="100%", id="secret-card", on_unmount=S.hide_secret)


@rx.page(route="/admin/settings", title="Company settings · tfai", on_load=S.load)
def admin_settings() -> rx.Component:
    return app_page(
        error_summary(S.error),
        rx.cond(S.loading | ~S.loaded, loading_block(), rx.cond(S.masked_secret != "", _secret_card())),
        title="Company settings",
    )

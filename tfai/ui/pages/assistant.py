"""The assistant (/assistant): chat to draft or change definitions; proposals to review, try, accept or discard."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_CONVERSATION_TITLE
from tfai.ui.components.assistant_chat import chat, conversation_list
from tfai.ui.components.assistant_proposal import proposal_view
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.state.assistant import AssistantState

S: Any = AssistantState


def _not_configured() -> rx.Component:
    return rx.cond(~S.configured, rx.callout.root(
        rx.callout.icon(rx.icon("plug-zap")),
        rx.vstack(
            rx.text("The assistant is not configured", weight="bold"),
            rx.text(S.config_help, size="2"),
            rx.el.pre("TFAI_LLM_BASE_URL=https://api.openai.com/v1\nTFAI_LLM_API_KEY=sk-…\nTFAI_LLM_MODEL=gpt-4o-mini",
                      font_size="12px", margin="0"),
            rx.text("Conversations stay readable; everything else in tfai works without it.", size="2",
                    color_scheme="gray"),
            spacing="2"),
        color_scheme="amber", width="100%", id="assistant-not-configured"))


def _rename_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Rename conversation"),
        rx.form(rx.vstack(
            rx.input(name="title", default_value=S.conv_title, max_length=MAX_CONVERSATION_TITLE, required=True,
                     width="100%",
                     id="rename-title"),
            rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                      rx.button("Rename", type="submit"), justify="end", spacing="3", width="100%"),
            spacing="3"), on_submit=S.rename, reset_on_submit=False)),
        open=S.rename_open, on_open_change=S.set_rename_open)


def _delete_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(rx.icon("trash-2", size=14), size="1", variant="soft", color_scheme="red",
                                          disabled=S.streaming, aria_label="Delete conversation")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this conversation?"),
            rx.alert_dialog.description("Its messages and proposals go; saved definitions stay."),
            rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                      rx.alert_dialog.action(rx.button("Delete", color_scheme="red",
                                                       on_click=S.delete_conversation)),
                      spacing="3", justify="end", margin_top="1em")))


def _chat_header() -> rx.Component:
    return rx.cond(S.conv_id > 0, rx.hstack(
        rx.heading(S.conv_title, size="4", id="conversation-title"), rx.spacer(),
        rx.button(rx.icon("pencil", size=14), size="1", variant="soft", on_click=S.set_rename_open(True),
                  aria_label="Rename conversation"),
        _delete_button(), align="center", width="100%"))


@rx.page(route="/assistant", title="Assistant · tfai", on_load=S.load)
def assistant_page() -> rx.Component:
    return app_page(
        _not_configured(),
        error_summary(S.error),
        rx.flex(
            rx.box(conversation_list(S), width=["100%", "100%", "240px"], flex_shrink="0"),
            rx.vstack(_chat_header(), chat(S), spacing="3", flex="1", min_width="0", width="100%"),
            direction=rx.breakpoints(initial="column", md="row"), spacing="4", width="100%",
        ),
        proposal_view(S),
        _rename_dialog(),
        title="Assistant",
        actions=rx.cond(S.model != "", rx.badge(S.model, color_scheme="gray", variant="surface")),
    )

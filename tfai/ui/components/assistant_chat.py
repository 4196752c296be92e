"""The assistant chat: conversation list, bubbles (plain text only), progress, error callouts and the composer."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_MESSAGE


def conversation_list(s: Any) -> rx.Component:
    def item(c: Any) -> rx.Component:
        current = c["id"].to(int) == s.conv_id
        return rx.box(
            rx.text(c["title"].to(str), size="2", weight=rx.cond(current, "bold", "regular"), trim="both",
                    overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
            rx.text(c["updated"].to(str), size="1", color_scheme="gray"),
            on_click=s.open_conversation(c["id"].to(int)), cursor="pointer", padding="0.45em 0.6em",
            border_radius="var(--radius-2)", width="100%", class_name="conversation",
            background=rx.cond(current, "var(--accent-a3)", "transparent"), _hover={"background": "var(--gray-a3)"},
        )

    return rx.vstack(
        rx.button(rx.icon("plus", size=16), "New conversation", on_click=s.new_conversation, width="100%",
                  variant="soft", id="new-conversation", disabled=s.streaming),
        rx.vstack(rx.foreach(s.conversations, item), spacing="1", width="100%", id="conversations"),
        spacing="3", width="100%",
    )


def _bubble(m: Any, s: Any) -> rx.Component:
    user = m["role"].to(str) == "user"
    proposal = rx.cond(m["proposal_id"].to(int) > 0, rx.hstack(
        rx.icon("package", size=14),
        rx.text("Proposal #", m["proposal_id"].to(int), size="1", weight="medium"),
        rx.badge(m["proposal_status"].to(str), size="1"),
        rx.button("Show", size="1", variant="ghost", on_click=s.show_proposal(m["proposal_id"].to(int))),
        spacing="2", align="center", padding_top="0.4em"))
    return rx.flex(
        rx.box(
            rx.text(m["content"].to(str), size="2", white_space="pre-wrap", word_break="break-word"),
            proposal,
            background=rx.cond(user, "var(--accent-a4)", "var(--gray-a3)"), padding="0.6em 0.9em",
            border_radius="var(--radius-3)", max_width="85%",
            class_name=rx.cond(user, "bubble bubble-user", "bubble bubble-assistant"),
        ),
        justify=rx.cond(user, "end", "start"), width="100%",
    )


def _streaming(s: Any) -> rx.Component:
    return rx.cond(s.streaming, rx.vstack(
        rx.hstack(rx.spinner(size="1"), rx.text(s.progress, size="2", color_scheme="gray", id="assistant-progress"),
                  align="center", spacing="2"),
        rx.cond(s.stream_text != "", rx.box(
            rx.text(s.stream_text, size="2", white_space="pre-wrap", word_break="break-word"),
            background="var(--gray-a3)", padding="0.6em 0.9em", border_radius="var(--radius-3)", max_width="85%",
            class_name="bubble bubble-streaming", id="streaming-bubble")),
        spacing="2", width="100%"))


def _reply_error(s: Any) -> rx.Component:
    title = rx.match(s.reply_error_kind, ("unavailable", "The model endpoint did not answer"),
                     ("budget", "The assistant's limit is reached"), "The message could not be answered")
    return rx.cond(s.reply_error != "", rx.callout.root(
        rx.callout.icon(rx.icon("circle-alert")),
        rx.vstack(rx.text(title, weight="bold"), rx.text(s.reply_error, size="2"),
                  rx.button(rx.icon("rotate-ccw", size=14), "Retry", size="1", on_click=s.retry, id="retry-reply"),
                  spacing="1"),
        color_scheme=rx.cond(s.reply_error_kind == "budget", "amber", "red"), width="100%", role="alert",
        id="reply-error"))


def _composer(s: Any) -> rx.Component:
    return rx.form(rx.vstack(
        rx.text_area(name="content", id="composer", enter_key_submit=True, max_length=MAX_MESSAGE, rows="3",
                     placeholder="Describe a process, or ask for a change to a workflow…", width="100%",
                     disabled=~s.configured),
        rx.cond(s.composer_error != "", rx.text(s.composer_error, size="1", color_scheme="red")),
        rx.hstack(rx.text("Enter to send · Shift+Enter for a new line", size="1", color_scheme="gray"), rx.spacer(),
                  rx.cond(s.streaming,
                          rx.button(rx.icon("square", size=14), "Stop", type="button", color_scheme="red",
                                    variant="soft", on_click=s.stop, id="stop-reply"),
                          rx.button(rx.icon("send", size=14), "Send", type="submit", id="send-message",
                                    disabled=~s.configured)),
                  width="100%", align="center"),
        spacing="2", width="100%"), on_submit=s.send, reset_on_submit=True, key=s.composer_key, width="100%",
        id="composer-form")


def chat(s: Any) -> rx.Component:
    return rx.vstack(
        rx.vstack(rx.foreach(s.messages, lambda m: _bubble(m, s)), _streaming(s), spacing="3", width="100%",
                  id="chat-messages", max_height="60vh", overflow_y="auto"),
        _reply_error(s),
        _composer(s),
        spacing="3", width="100%",
    )

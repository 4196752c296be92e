"""The proposal view: summary, status, placeholders to fill, review list, problems, diagram, diff, forms, try."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_DESCRIPTION
from tfai.ui.components.diagram import diagram_image
from tfai.ui.components.forms import error_summary, success_note
from tfai.ui.components.problems import problems_list
from tfai.ui.components.schema_form import schema_field


def _status(s: Any) -> rx.Component:
    return rx.hstack(
        rx.heading("Proposal #", s.p_id, size="5"),
        rx.match(s.p_status, ("accepted", rx.badge("accepted", color_scheme="green")),
                 ("discarded", rx.badge("discarded", color_scheme="gray")), rx.badge("pending", color_scheme="blue")),
        rx.cond(s.p_valid, rx.badge(rx.icon("circle-check", size=14), "Valid", color_scheme="green"),
                rx.badge(rx.icon("circle-x", size=14), "Invalid", color_scheme="red")),
        rx.text(s.p_error_count, " errors · ", s.p_warning_count, " warnings · ", s.p_repair_rounds,
                " repair rounds", size="2", color_scheme="gray"),
        rx.cond(s.p_edited, rx.badge("edited", color_scheme="amber")),
        align="center", spacing="3", wrap="wrap", id="proposal-status",
    )


def _placeholders(s: Any) -> rx.Component:
    return rx.cond(s.p_placeholders.length() > 0, rx.callout.root(
        rx.callout.icon(rx.icon("pencil")),
        rx.vstack(
            rx.text("Fill these in before accepting (the assistant could not know them):", weight="medium"),
            rx.form(rx.vstack(
                rx.foreach(s.p_placeholders, lambda p: rx.vstack(
                    rx.el.label(rx.text(p["question"].to(str), size="2"), html_for=p["path"].to(str)),
                    rx.input(name=p["path"].to(str), id=p["path"].to(str), max_length=MAX_DESCRIPTION, width="100%",
                             class_name="placeholder-input"),
                    rx.code(p["path"].to(str), size="1", color_scheme="gray"), spacing="1", width="100%")),
                rx.button("Fill in and validate", type="submit", size="2", id="fill-placeholders"),
                spacing="3", width="100%"),
                on_submit=s.fill_placeholders, reset_on_submit=False, key=s.p_fill_key, width="100%"),
            spacing="2", width="100%"),
        color_scheme="amber", width="100%", id="proposal-placeholders"))


def _review(s: Any) -> rx.Component:
    return rx.cond(s.p_review.length() > 0, rx.vstack(
        rx.heading("Review these", size="3"),
        rx.text("Calls to outside systems and the expressions that decide the path: check each one.", size="2",
                color_scheme="gray"),
        rx.el.ul(rx.foreach(s.p_review, lambda r: rx.el.li(rx.hstack(
            rx.badge(r["kind"].to(str), color_scheme=rx.cond(r["kind"].to(str) == "URL", "orange", "violet")),
            rx.text(r["where"].to(str), size="2", color_scheme="gray"),
            rx.cond(r["changed"].to(str) != "", rx.badge("changed from the saved version", color_scheme="red",
                                                          class_name="review-changed")),
            rx.code(r["text"].to(str), size="2", style={"word_break": "break-all"}),
            spacing="2", align="center", wrap="wrap"), list_style="none", padding_y="0.2em")),
            padding="0", margin="0", width="100%"),
        spacing="2", width="100%", id="proposal-review"))


def _diff(s: Any) -> rx.Component:
    return rx.cond(s.p_is_change, rx.vstack(
        rx.heading("Changes to the current ", s.p_key, size="3"),
        rx.cond(s.p_diff.length() > 0, rx.box(rx.foreach(s.p_diff, lambda d: rx.el.pre(
            d["text"].to(str), margin="0", padding_x="0.5em", color=f"var(--{d['colour'].to(str)}-11)",
            background=rx.match(d["kind"].to(str), ("add", "var(--green-a3)"), ("remove", "var(--red-a3)"),
                                ("hunk", "var(--violet-a2)"), "transparent"))),
            font_family="monospace", font_size="12px", width="100%", overflow_x="auto", max_height="420px",
            border="1px solid var(--gray-a5)", border_radius="var(--radius-2)", id="proposal-diff"),
            rx.text("No change against the current version.", size="2", color_scheme="gray")),
        spacing="2", width="100%"))


def _forms(s: Any) -> rx.Component:
    return rx.cond(s.p_forms.length() > 0, rx.vstack(
        rx.heading("Form previews", size="3"),
        rx.grid(rx.foreach(s.p_forms, lambda f: rx.card(rx.vstack(
            rx.text(f["title"].to(str), weight="medium"),
            rx.foreach(f["fields"].to(list[dict[str, Any]]), lambda field: schema_field(field, True)),
            spacing="3", width="100%"), width="100%", class_name="form-preview")),
            columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%"),
        spacing="2", width="100%", id="proposal-forms"))


def _try(s: Any) -> rx.Component:
    return rx.vstack(
        rx.heading("Try it", size="3"),
        rx.text("A dry run with this sample ticket (forms answer with sample values); nothing is saved.", size="2",
                color_scheme="gray"),
        rx.text_area(default_value=s.try_ticket, on_blur=s.set_try_ticket, font_family="monospace",
                     font_size="12px", rows="6", width="100%", key=s.p_fill_key, id="try-ticket"),
        rx.button(rx.icon("play", size=16), "Try it", on_click=s.try_it, variant="soft", id="try-it"),
        error_summary(s.try_error),
        rx.cond(s.try_outcome != "", rx.callout.root(rx.vstack(
            rx.text("Outcome: ", rx.text.strong(s.try_outcome)),
            rx.hstack(rx.text("Path:"), rx.foreach(s.try_path, lambda t: rx.code(t)), spacing="2", wrap="wrap"),
            rx.cond(s.try_reason != "", rx.text(s.try_reason, size="2", color_scheme="gray")), spacing="1"),
            color_scheme="blue", width="100%", id="try-result")),
        spacing="2", width="100%")


def _actions(s: Any) -> rx.Component:
    pending = s.p_status == "pending"
    return rx.hstack(
        rx.button(rx.icon("check", size=16), "Accept", on_click=s.accept, color_scheme="green", id="accept-proposal",
                  disabled=~pending | (s.p_placeholders.length() > 0) | ~s.p_valid),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(rx.button(rx.icon("x", size=16), "Discard", variant="soft", color_scheme="gray",
                                              disabled=~pending, id="discard-proposal")),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Discard this proposal?"),
                rx.alert_dialog.description("Nothing of it is saved; the conversation stays."),
                rx.hstack(rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                          rx.alert_dialog.action(rx.button("Discard", color_scheme="red", on_click=s.discard,
                                                           id="confirm-discard")),
                          spacing="3", justify="end", margin_top="1em"))),
        rx.link(rx.button(rx.icon("file-pen", size=16), "Open in editor", variant="soft"),
                href="/assistant/proposals/" + s.p_id.to(str) + "/edit", id="open-in-editor"),
        rx.cond(s.p_placeholders.length() > 0, rx.text("Fill in the placeholders to accept.", size="2",
                                                       color_scheme="gray")),
        spacing="3", align="center", wrap="wrap",
    )


def _saved(s: Any) -> rx.Component:
    return rx.cond(s.p_saved_note != "", rx.callout.root(
        rx.callout.icon(rx.icon("circle-check")),
        rx.vstack(rx.text(s.p_saved_note, id="proposal-saved"),
                  rx.hstack(rx.foreach(s.p_saved_links, lambda link: rx.link(link["label"].to(str),
                                                                              href=link["href"].to(str))),
                            spacing="3", wrap="wrap"), spacing="1"),
        color_scheme="green", width="100%"))


def proposal_view(s: Any) -> rx.Component:
    """The whole proposal card for a state with the ProposalMixin vars."""
    return rx.cond(s.p_id > 0, rx.card(rx.vstack(
        _status(s),
        rx.text(s.p_summary, white_space="pre-wrap", id="proposal-summary"),
        _saved(s), success_note(s.p_notice), error_summary(s.p_error, s.p_fill_errors),
        _placeholders(s),
        _actions(s),
        rx.cond(s.p_problems.length() > 0, rx.vstack(rx.heading("Problems", size="3"), problems_list(s.p_problems),
                                                      spacing="2", width="100%")),
        _review(s),
        rx.cond(s.p_diagram != "", rx.vstack(rx.heading("Diagram", size="3"), diagram_image(s.p_diagram),
                                             spacing="2", width="100%")),
        _diff(s), _forms(s), _try(s),
        spacing="4", width="100%"), width="100%", id="proposal"))

"""Dry run ("Try it"): sample ticket data, outputs and responses → the path, conditions, inputs, where it stops."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.definitions import section_tabs, type_badge
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.state.definitions_dry_run import DryRunState

S: Any = DryRunState
AREA = {"font_family": "monospace", "font_size": "12px", "width": "100%", "rows": "6"}


def _pick() -> rx.Component:
    return rx.vstack(
        rx.text("Choose a workflow to try:", size="2"),
        rx.foreach(S.workflows, lambda w: rx.link(w["title"].to(str), " (", w["key"].to(str), ")",
                                                  href="/definitions/dry-run?workflow=" + w["key"].to(str))),
        spacing="1")


def _sample(s: Any) -> rx.Component:
    kind = s["kind"].to(str)
    return rx.vstack(
        rx.hstack(rx.code(s["key"].to(str)), rx.text(s["title"].to(str), size="2", weight="medium"),
                  type_badge(s["type"].to(str)),
                  rx.text(rx.match(kind, ("output", "form output"), ("response", "HTTP response {status, headers, "
                                                                                 "body}"), "callback body"),
                          size="1", color_scheme="gray"), spacing="2", align="center"),
        rx.text_area(default_value=s["text"].to(str), placeholder=s["placeholder"].to(str),
                     on_blur=lambda v: S.set_sample(s["key"].to(str), v), id="sample-" + s["key"].to(str),
                     key=S.area_key.to(str) + s["key"].to(str), **AREA),
        spacing="1", width="100%")


def _inputs() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading("Ticket data", size="4"),
                  rx.cond(S.ticket_type_keys.length() > 1,
                          rx.select(S.ticket_type_keys, value=S.ticket_type, on_change=S.pick_ticket_type, size="1")),
                  rx.cond(S.ticket_type != "", rx.text("example from ticket type ", rx.code(S.ticket_type),
                                                       size="1", color_scheme="gray")),
                  align="center", spacing="3"),
        rx.text_area(default_value=S.ticket_text, on_blur=S.set_ticket_text, id="ticket-data",
                     key="ticket-" + S.area_key.to(str), **AREA),
        rx.heading("Task samples", size="4"),
        rx.text("Leave an area empty and the run waits at that task. Responses and callbacks go through the "
                "task's output transform.", size="2", color_scheme="gray"),
        rx.foreach(S.samples, _sample),
        rx.button(rx.icon("play", size=16), "Run", on_click=S.run, id="run-dry-run"),
        spacing="3", width="100%")


def _step(step: Any) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.code(step["task"].to(str)), rx.cond(step["decision"].to(str) != "", rx.badge(
            step["decision"].to(str), " ", step["next"].to(str))), spacing="2", align="center"),
        rx.cond(step["input"].to(str) != "", rx.vstack(rx.text("Input", size="1", color_scheme="gray"),
                                                     rx.code_block(step["input"].to(str), language="json",
                                                                   width="100%"), width="100%", spacing="1")),
        rx.cond(step["output"].to(str) != "", rx.vstack(rx.text("Output", size="1", color_scheme="gray"),
                                                      rx.code_block(step["output"].to(str), language="json",
                                                                    width="100%"), width="100%", spacing="1")),
        rx.foreach(step["conditions"].to(list[dict[str, str]]), lambda c: rx.hstack(
            rx.code(c["condition"]), rx.text("→", size="2"), rx.code(c["to"]),
            rx.badge(c["value"], color_scheme=rx.match(c["value"], ("true", "green"), ("false", "gray"), "red")),
            rx.text(c["error"], size="1", color_scheme="red"), spacing="2", align="center", wrap="wrap")),
        rx.cond(step["reason"].to(str) != "", rx.text(step["reason"].to(str), size="1", color_scheme="gray")),
        spacing="2", width="100%"), width="100%", class_name="dry-run-step")


def _result() -> rx.Component:
    return rx.cond(S.outcome != "", rx.vstack(
        rx.heading("Result", size="4"),
        rx.hstack(rx.badge(S.outcome, color_scheme=rx.match(S.outcome, ("completed", "green"), ("waiting", "blue"),
                                                            "red"), size="2", id="dry-run-outcome"),
                  rx.text(S.reason, size="2", id="dry-run-reason"), align="center", spacing="2"),
        rx.hstack(rx.text("Path:", size="2", weight="medium"),
                  rx.foreach(S.path, lambda p, i: rx.hstack(rx.cond(i > 0, rx.text("→", size="2")), rx.code(p),
                                                            spacing="1")),
                  spacing="2", wrap="wrap", id="dry-run-path"),
        rx.foreach(S.steps, _step),
        spacing="3", width="100%", id="dry-run-result"))


@rx.page(route="/definitions/dry-run", title="Dry run · tfai", on_load=S.load)
def definitions_dry_run() -> rx.Component:
    return app_page(
        section_tabs("/definitions/dry-run"),
        rx.text("Nothing is saved and no action endpoint is called.", size="2", color_scheme="gray"),
        error_summary(S.error),
        rx.cond(S.wf_key == "", _pick(), rx.vstack(
            rx.hstack(rx.heading(S.wf_title, size="5"), rx.link("open workflow",
                                                                href="/definitions/workflows/" + S.wf_key.to(str)),
                      align="center", spacing="3"),
            rx.grid(_inputs(), _result(), columns=rx.breakpoints(initial="1", lg="2"), spacing="5", width="100%"),
            spacing="4", width="100%")),
        title="Try it (dry run)",
    )

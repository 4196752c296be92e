"""Task execution: the input read-only and the output form; otherwise read-only details and admin steering."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.forms import error_summary, success_note
from tfai.ui.components.layout import app_page, breadcrumbs
from tfai.ui.components.schema_form import schema_form
from tfai.ui.components.work import loading_block, pairs, status_badge
from tfai.ui.state.task_detail import TaskDetailState

S: Any = TaskDetailState


def _card(title: str, body: rx.Component, **props: Any) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(title, size="4"), body, spacing="3", width="100%"), width="100%", **props)


def _summary() -> rx.Component:
    t = S.task
    return rx.card(rx.vstack(
        rx.hstack(status_badge(t["status_text"], t["status_color"]), rx.badge(t["type"], variant="outline"),
                  rx.text("for ", rx.link(t["ticket_title"], href=t["ticket_href"]), " (", t["ticket_type"], ")",
                          size="2"), align="center", spacing="3", wrap="wrap", id="task-status"),
        rx.cond(t["description"] != "", rx.text(t["description"], size="2", color_scheme="gray")),
        rx.text("Assigned to ", t["assignee"], " · created ", t["created"],
                rx.cond(t["started"] != "", rx.text.span(" · started ", t["started"])), size="1",
                color_scheme="gray", id="task-times"),
        rx.cond(t["status"] == "COMPLETED",
                rx.text("Completed ", t["completed"], " by ", t["completed_by"], size="1", color_scheme="gray")),
        rx.cond(t["hold_reason"] != "", rx.callout.root(
            rx.callout.icon(rx.icon("circle-pause")), rx.callout.text("Ticket on hold: ", t["hold_reason"]),
            color_scheme="amber", size="1", width="100%")),
        spacing="2", width="100%"), width="100%")


def _start() -> rx.Component:
    # Starting is optional (the form below stays usable); it shows everyone that the task is being worked on.
    return rx.cond(S.startable, rx.vstack(
        rx.hstack(rx.button("Start", on_click=S.start, id="start-button"),
                  rx.text("Let others see you are working on it.", size="2", color_scheme="gray"),
                  spacing="3", align="center"),
        rx.cond(~S.is_ticket_admin, error_summary(S.steer_error)), spacing="2", width="100%"))


def _work() -> rx.Component:
    return rx.cond(
        S.completable,
        _card("Your answer", rx.vstack(_start(), rx.box(schema_form(S, submit_label="Complete task"), width="100%",
                                                        id="task-form"), spacing="3", width="100%")),
        rx.cond(S.output_pairs.length() > 0, _card("Result", pairs(S.output_pairs, id="task-output"))),
    )


def _attempts() -> rx.Component:
    return rx.cond(
        S.attempts.length() > 0,
        _card("Action attempts", rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "#", "Started", "Finished", "HTTP", "Duration", "Error")])),
            rx.table.body(rx.foreach(S.attempts, lambda a: rx.table.row(
                rx.table.cell(a["attempt"]), rx.table.cell(a["started"]), rx.table.cell(a["finished"]),
                rx.table.cell(a["status_code"]), rx.table.cell(a["duration"]),
                rx.table.cell(rx.text(a["error"], size="1", color_scheme="red"))))),
            variant="surface", width="100%")),
    )


def _waiting() -> rx.Component:
    """A form no available worker could take: the ways out (take it, complete it below, make someone available)."""
    return rx.cond(S.waiting, rx.callout.root(
        rx.callout.icon(rx.icon("user-x")),
        rx.callout.text(rx.vstack(
            rx.text("No available task worker could take this task.", weight="medium"),
            rx.text("Assign it to yourself, complete it below, or make someone a worker or available.", size="1"),
            rx.hstack(rx.cond(S.takeable, rx.button("Assign to me", size="1", on_click=S.take, id="take-button")),
                      rx.cond(S.is_admin, rx.link("Workers and availability", href="/admin/users", size="2",
                                                  id="workers-link")),
                      spacing="3", align="center", wrap="wrap"),
            spacing="2")),
        color_scheme="amber", size="1", width="100%", id="task-waiting"))


def _steering() -> rx.Component:
    reassign = rx.form(rx.hstack(
        rx.select.root(rx.select.trigger(placeholder="Choose a worker", width="260px"),
                       rx.select.content(rx.foreach(S.workers, lambda w: rx.select.item(w["label"],
                                                                                         value=w["value"]))),
                       name="user_id", required=True),
        rx.button("Reassign", type="submit", variant="soft"), spacing="2", align="center"),
        on_submit=S.reassign, reset_on_submit=False, id="reassign-form")
    return rx.cond(
        S.is_ticket_admin & (S.reassignable | S.retryable | (S.task["error"] != "")),
        _card("Steering", rx.vstack(
            rx.cond(S.task["error"] != "", rx.callout.root(
                rx.callout.icon(rx.icon("triangle-alert")),
                rx.callout.text("Last error (", S.task["attempts"], " attempts): ", S.task["error"]),
                color_scheme="red", size="1", width="100%")),
            _waiting(),
            rx.cond(S.reassignable, rx.cond(S.workers.length() > 0, reassign,
                                            rx.text("No active task worker to give it to.", size="2",
                                                    color_scheme="gray"))),
            rx.cond(S.takeable & ~S.waiting, rx.button("Assign to me", variant="soft", on_click=S.take,
                                                       id="take-button")),
            rx.cond(S.retryable, rx.button("Retry", on_click=S.retry, color_scheme="amber", id="retry-button")),
            error_summary(S.steer_error), spacing="3", width="100%"), id="task-steering"),
    )


def _body() -> rx.Component:
    return rx.vstack(
        success_note(S.notice),
        _summary(),
        _steering(),
        rx.grid(
            rx.vstack(_work(), _attempts(), width="100%", spacing="4"),
            rx.vstack(
                rx.cond(S.input_pairs.length() > 0, _card("What you received", pairs(S.input_pairs, id="task-input"))),
                rx.cond(S.ticket_pairs.length() > 0, _card("The ticket", pairs(S.ticket_pairs))),
                width="100%", spacing="4"),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="5", width="100%"),
        width="100%", spacing="4")


@rx.page(route="/tasks/[task_id]", title="Task · tfai", on_load=S.load)
def task_detail() -> rx.Component:
    return app_page(
        breadcrumbs((rx.cond(S.is_ticket_admin, "All tasks", "My tasks"),
                     rx.cond(S.is_ticket_admin, "/admin/tasks", "/tasks")),
                    current=rx.cond(S.task.contains("title"), S.task["title"].to(str), "Task")),
        rx.cond(S.loading | ~S.loaded, loading_block(),
                rx.cond(S.task.contains("title"),
                        rx.vstack(rx.heading(S.task["title"], " ", rx.text(S.task["number"], as_="span",
                                                                            color_scheme="gray"),
                                             size="7", id="task-title"), _body(), width="100%", spacing="4"),
                        error_summary(S.error))),
    )

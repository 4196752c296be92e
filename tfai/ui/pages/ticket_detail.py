"""Ticket detail: fields, status, current task, timeline, comments, attachments; edit and withdraw; steering."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_COMMENT, MAX_REASON
from tfai.ui.components.forms import error_summary, field, success_note
from tfai.ui.components.layout import app_page, breadcrumbs
from tfai.ui.components.schema_form import schema_form
from tfai.ui.components.work import loading_block, pairs, status_badge
from tfai.ui.state.ticket_detail import TicketDetailState

S: Any = TicketDetailState
UPLOAD_ID = "attachment-upload"


def _opens_task(assignee: Any) -> Any:
    """Whether the reader may open a task page (policy TASK_READ): ticket admins any, workers their own; a
    requester gets no link to a page that would answer "not found"."""
    return S.is_ticket_admin | (S.is_worker & (assignee == S.user_email))


def _current_row(cur: Any) -> rx.Component:
    """One current task: its title (a link for those who may open it), status and assignee."""
    return rx.hstack(
        rx.cond(_opens_task(cur["assignee"]), rx.link(cur["title"], href=cur["href"], weight="medium", size="2"),
                rx.text(cur["title"], weight="medium", size="2")),
        status_badge(cur["status_text"], cur["status_color"]),
        rx.text(cur["assignee"], size="2", color_scheme="gray"), align="center", spacing="2", wrap="wrap",
        class_name="current-task-row")


def _status() -> rx.Component:
    t = S.ticket
    return rx.card(rx.vstack(
        rx.hstack(status_badge(t["status_text"], t["status_color"]),
                  rx.badge(t["status"], variant="outline", color_scheme="gray"),
                  rx.text(t["type_title"], size="2", color_scheme="gray"), align="center", spacing="3",
                  id="ticket-status"),
        rx.cond(t["hold_reason"] != "", rx.callout.root(
            rx.callout.icon(rx.icon("circle-pause")), rx.callout.text("On hold: ", t["hold_reason"]),
            color_scheme="amber", size="1", width="100%")),
        rx.cond(S.current_list.length() > 0, rx.hstack(
            rx.text("Now:", size="2", color_scheme="gray"),
            rx.vstack(rx.foreach(S.current_list, _current_row), spacing="1"),
            align="start", spacing="2", id="current-task")),
        rx.hstack(rx.text("Requested by ", t["requester"], " · ", t["created"], size="1", color_scheme="gray"),
                  rx.cond(t["completed"] != "", rx.text("Finished ", t["completed"], size="1", color_scheme="gray")),
                  spacing="3", wrap="wrap"),
        spacing="3", width="100%"), width="100%")


def _timeline_item(x: Any) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(x["title"], weight="medium"), status_badge(x["status_text"], x["status_color"]),
                  rx.spacer(), rx.cond(_opens_task(x["assignee"]), rx.link("Open", href=x["href"], size="1")),
                  align="center", width="100%"),
        rx.text(x["assignee"], " · created ", x["created"],
                rx.cond(x["completed"] != "", rx.fragment(" · done ", x["completed"])), size="1",
                color_scheme="gray"),
        rx.cond(x["due"] != "", rx.text("Due ", x["due"], size="1", color_scheme="gray")),
        rx.cond(x["error"] != "", rx.text(x["error"], size="1", color_scheme="red")),
        rx.cond(x["outputs"].to(list).length() > 0, pairs(x["outputs"].to(list[dict[str, str]]))),
        rx.foreach(x["events"].to(list[dict[str, str]]),
                   lambda e: rx.text(e["text"], " · ", e["when"], size="1", color_scheme="amber",
                                     class_name="timeline-event")),
        spacing="2", width="100%"), width="100%", class_name="timeline-item")


def _change(c: Any) -> rx.Component:
    return rx.text(rx.text(c["who"], weight="medium", as_="span"), " changed ", rx.code(c["field"]), " from ",
                   rx.code(c["before"]), " to ", rx.code(c["after"]), " · ", c["when"], size="1",
                   class_name="field-change")


def _timeline() -> rx.Component:
    return rx.vstack(rx.heading("Timeline", size="4"),
                     rx.cond(S.timeline.length() > 0,
                             rx.vstack(rx.foreach(S.timeline, _timeline_item), width="100%", spacing="2",
                                       id="timeline"),
                             rx.text("No tasks yet.", color_scheme="gray", size="2")),
                     rx.cond(S.changes.length() > 0,
                             rx.vstack(rx.foreach(S.changes, _change), spacing="1", width="100%", id="changes")),
                     width="100%", spacing="2")


def _comments() -> rx.Component:
    return rx.vstack(
        rx.heading("Comments", size="4"),
        rx.cond(S.comments.length() > 0, rx.vstack(rx.foreach(S.comments, lambda c: rx.box(
            rx.text(c["author"], " · ", c["created"], size="1", color_scheme="gray"),
            rx.text(c["body"], size="2", white_space="pre-wrap", word_break="break-word"),
            padding="0.6em", border_left="3px solid var(--accent-6)", width="100%")), width="100%", spacing="2",
            id="comments"),
            rx.text("No comments yet.", color_scheme="gray", size="2")),
        error_summary(S.comment_error),
        rx.form(rx.vstack(
            rx.text_area(name="body", placeholder="Write a comment…", required=True, max_length=MAX_COMMENT, rows="3",
                         width="100%"),
            rx.button("Add comment", type="submit", size="2", variant="soft"), align="end", width="100%"),
            on_submit=S.add_comment, reset_on_submit=True, key=S.comment_key, id="comment-form", width="100%"),
        width="100%", spacing="2")


def _attachments() -> rx.Component:
    return rx.vstack(
        rx.heading("Attachments", size="4"),
        rx.cond(S.attachments.length() > 0, rx.vstack(rx.foreach(S.attachments, lambda f: rx.hstack(
            rx.cond(f["older"] != "", rx.icon("history", size=14), rx.icon("paperclip", size=14)),
            rx.link(f["filename"], href=f["href"], is_external=True, size=rx.cond(f["older"] != "", "1", "2")),
            rx.badge(f["version"], variant="soft", color_scheme="gray", class_name="file-version"),
            rx.text(f["size"], " · ", f["created"], size="1", color_scheme="gray"), align="center", spacing="2",
            padding_left=rx.cond(f["older"] != "", "1.5em", "0"), class_name="attachment")),
            spacing="1", id="attachments"),
            rx.text("No attachments yet.", color_scheme="gray", size="2")),
        rx.upload.root(
            rx.vstack(rx.icon("upload", size=18), rx.text("Drop files here or click to choose", size="2"),
                      rx.text("Images, PDF, text and office documents up to ", S.max_upload_text, size="1",
                              color_scheme="gray"), align="center", spacing="1"),
            id=UPLOAD_ID, multiple=True, max_size=S.max_upload, padding="1em", width="100%",
            border="1px dashed var(--gray-a7)", border_radius="var(--radius-3)", cursor="pointer"),
        rx.hstack(rx.foreach(rx.selected_files(UPLOAD_ID), lambda n: rx.badge(n, variant="soft")), wrap="wrap"),
        rx.button("Upload", size="2", variant="soft", loading=S.upload_busy, id="upload-button",
                  on_click=S.upload(rx.upload_files(upload_id=UPLOAD_ID))),
        error_summary(S.upload_error),
        width="100%", spacing="2")


def _move() -> rx.Component:
    """Move stuck (or any active) work on to a chosen task of the workflow; the service cancels the open tasks."""
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("route", size=14), "Move to…", variant="soft", size="2",
                                    id="move-ticket")),
        rx.dialog.content(
            rx.dialog.title("Move the ticket to a task"),
            rx.dialog.description("Its open tasks are cancelled and the chosen task starts, assigned as usual.",
                                  size="2", margin_bottom="1em"),
            rx.form(rx.vstack(
                field("Task", rx.select.root(
                    rx.select.trigger(placeholder="Choose a task", width="100%", id="move-task"),
                    rx.select.content(rx.foreach(S.move_choices, lambda c: rx.select.item(c["label"],
                                                                                          value=c["value"]))),
                    name="task"), error=S.move_errors.get("task", ""), required=True),
                field("Reason", rx.text_area(name="reason", placeholder="Why? (optional, kept in the audit log)",
                                             max_length=MAX_REASON, width="100%"),
                      error=S.move_errors.get("reason", "")),
                error_summary(S.move_error),
                rx.hstack(rx.dialog.close(rx.button("Back", variant="soft", color_scheme="gray", type="button")),
                          rx.button("Move", type="submit", id="confirm-move"), spacing="3", justify="end",
                          width="100%"),
                spacing="3"), on_submit=S.move, reset_on_submit=False),
            id="move-dialog"),
        open=S.move_open, on_open_change=S.set_move_open)


def _steering() -> rx.Component:
    active = S.ticket["status"] == "active"
    on_hold = S.ticket["workflow_status"] == "ON_HOLD"
    cancel = rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Cancel ticket", color_scheme="red", variant="soft", size="2")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancel this ticket?"),
            rx.alert_dialog.description("Its open tasks are cancelled too. This cannot be undone."),
            rx.hstack(rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                      rx.alert_dialog.action(rx.button("Cancel ticket", color_scheme="red", on_click=S.cancel,
                                                       id="confirm-cancel")),
                      spacing="3", justify="end", margin_top="1em")))
    hold = rx.dialog.root(
        rx.dialog.trigger(rx.button("Put on hold", variant="soft", size="2", color_scheme="amber")),
        rx.dialog.content(
            rx.dialog.title("Put the ticket on hold"),
            rx.form(rx.vstack(
                rx.text_area(name="reason", placeholder="Why? (shown to admins)", required=True, max_length=MAX_REASON,
                             width="100%"),
                error_summary(S.steer_error),
                rx.hstack(rx.dialog.close(rx.button("Back", variant="soft", color_scheme="gray", type="button")),
                          rx.button("Hold", type="submit"), spacing="3", justify="end", width="100%"),
                spacing="3"), on_submit=S.hold, reset_on_submit=False)),
        open=S.hold_open, on_open_change=S.set_hold_open)
    return rx.cond(S.is_ticket_admin & active, rx.card(rx.vstack(
        rx.text("Steering", weight="medium"),
        rx.hstack(rx.cond(on_hold, rx.button("Resume", variant="soft", size="2", on_click=S.resume),
                          hold), rx.cond(S.move_choices.length() > 0, _move()), cancel, spacing="3",
                  wrap="wrap"),
        error_summary(S.steer_error),
        spacing="2", width="100%"), width="100%", id="steering"))


def _no_attachments(_: Any) -> rx.Component:
    """A `file` field of the Edit dialog while the ticket has no attachments (with some, it is a select of them)."""
    return rx.text("No attachments yet: add the file under Attachments, then edit again.", size="2",
                   color_scheme="gray")


def _requester_actions() -> rx.Component:
    edit = rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("pencil", size=14), "Edit", variant="soft", size="2",
                                    id="edit-ticket")),
        rx.dialog.content(
            rx.dialog.title("Edit the ticket"),
            rx.dialog.description("Fields you leave as they are keep their values.", size="2",
                                  margin_bottom="1em"),
            schema_form(S, submit_label="Save changes", on_submit=S.save_edit, file_widget=_no_attachments),
            rx.hstack(rx.dialog.close(rx.button("Back", variant="soft", color_scheme="gray", type="button")),
                      justify="end", width="100%", margin_top="0.5em"),
            id="edit-dialog"),
        open=S.edit_open, on_open_change=S.set_edit_open)
    withdraw = rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Withdraw", color_scheme="red", variant="soft", size="2",
                                          id="withdraw-ticket")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Withdraw this ticket?"),
            rx.alert_dialog.description("It is cancelled with its open tasks. This cannot be undone."),
            rx.form(rx.vstack(
                rx.text_area(name="reason", placeholder="Why? (optional)", max_length=MAX_REASON, width="100%"),
                rx.hstack(rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray",
                                                           type="button")),
                          rx.alert_dialog.action(rx.button("Withdraw", color_scheme="red", type="submit",
                                                           id="confirm-withdraw")),
                          spacing="3", justify="end", width="100%"),
                spacing="3", margin_top="1em"), on_submit=S.withdraw, reset_on_submit=True)))
    return rx.cond(S.can_edit | S.can_withdraw, rx.hstack(
        rx.cond(S.can_edit, edit), rx.cond(S.can_withdraw & ~S.is_ticket_admin, withdraw), spacing="3",
        id="ticket-actions"))


def _body() -> rx.Component:
    return rx.vstack(
        success_note(S.notice),
        _status(),
        _requester_actions(),
        _steering(),
        rx.grid(
            rx.vstack(rx.card(rx.vstack(rx.heading("Details", size="4"), pairs(S.ticket_fields, id="ticket-fields"),
                                        width="100%"), width="100%"),
                      rx.cond(S.workflow_pairs.length() > 0, rx.card(rx.vstack(
                          rx.heading("Workflow", size="4"), pairs(S.workflow_pairs, id="workflow-fields"),
                          width="100%"), width="100%")),
                      _timeline(), width="100%", spacing="4"),
            rx.vstack(_comments(), _attachments(), width="100%", spacing="5"),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="5", width="100%"),
        width="100%", spacing="4")


@rx.page(route="/tickets/[ticket_id]", title="Ticket · tfai", on_load=S.load)
def ticket_detail() -> rx.Component:
    return app_page(
        breadcrumbs((rx.cond(S.is_ticket_admin, "All tickets", "My tickets"),
                     rx.cond(S.is_ticket_admin, "/admin/tickets", "/tickets")),
                    current=rx.cond(S.ticket.contains("title"), S.ticket["number"].to(str), "Ticket")),
        rx.cond(S.loading | ~S.loaded, loading_block(),
                rx.cond(S.ticket.contains("title"),
                        rx.vstack(rx.heading(S.ticket["title"], " ", rx.text(S.ticket["number"], as_="span",
                                                                              color_scheme="gray"),
                                             size="7", id="ticket-title"), _body(), width="100%", spacing="4"),
                        error_summary(S.error))),
    )

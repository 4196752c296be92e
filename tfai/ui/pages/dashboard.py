"""The dashboard: who I am, my company and roles, what is waiting, and where my roles let me go."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.domain.policy import Action, Actor, allowed
from tfai.services.dashboard import home, stats
from tfai.services.dashboard.getting_started import getting_started
from tfai.ui.components.charts import chart_card, horizontal_bars, per_day_chart
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.components.work import loading_block
from tfai.ui.state.auth import AuthState
from tfai.ui.state.dashboard_stats import company_rows, my_rows
from tfai.ui.state.form_values import error_message
from tfai.ui.state.guard import guarded


class DashboardState(AuthState):
    """Plain copies of the dashboard DTO."""

    company_roles: list[str] = []
    my_open_tickets: int = 0
    my_open_tasks: int = 0
    company_open_tickets: int = -1
    company_open_tasks: int = -1
    dashboard_error: str = ""
    charts_loaded: bool = False
    show_company: bool = False
    company_days: list[dict[str, Any]] = []
    worker_load: list[dict[str, Any]] = []
    workflow_medians: list[dict[str, Any]] = []
    my_days: list[dict[str, Any]] = []
    first_steps: list[dict[str, Any]] = []
    waiting_tasks: int = 0

    @rx.event
    @guarded()
    async def load(self, actor: Actor) -> Any:
        self.charts_loaded = False
        yield
        try:
            dto = await home.dashboard(actor)
            self.show_company = allowed(actor, Action.TICKET_LIST_COMPANY)
            if self.show_company:
                for key, rows in company_rows(await stats.company_stats(actor)).items():
                    setattr(self, key, rows)
            self.my_days = my_rows(await stats.my_stats(actor))
            if allowed(actor, Action.USER_MANAGE):
                started = await getting_started(actor)
                self.first_steps = [s.model_dump() for s in started.steps]
                self.waiting_tasks = started.waiting_tasks
        except TfaiError as exc:
            self.dashboard_error, self.charts_loaded = error_message(exc), True
            return
        self.charts_loaded = True
        self.dashboard_error = ""
        self.company_roles = list(dto.me.company_roles)
        self.my_open_tickets, self.my_open_tasks = dto.my_open_tickets, dto.my_open_tasks
        self.company_open_tickets = -1 if dto.company_open_tickets is None else dto.company_open_tickets
        self.company_open_tasks = -1 if dto.company_open_tasks is None else dto.company_open_tasks


def _stat(label: str, value: Any, icon: str, href: str) -> rx.Component:
    return rx.link(
        rx.card(rx.hstack(rx.icon(icon, size=28, color="var(--accent-9)"),
                          rx.vstack(rx.text(label, size="2", color_scheme="gray"),
                                    rx.heading(value, size="7"), spacing="0"),
                          spacing="4", align="center")),
        href=href, underline="none", color_scheme="gray", high_contrast=True,
    )


def _shortcut(label: str, href: str, icon: str, text: str) -> rx.Component:
    return rx.link(
        rx.card(rx.vstack(rx.hstack(rx.icon(icon, size=18), rx.text(label, weight="medium"), align="center"),
                          rx.text(text, size="2", color_scheme="gray"), spacing="1"), width="100%"),
        href=href, underline="none", color_scheme="gray", high_contrast=True, width="100%",
    )


def _step(st: Any) -> rx.Component:
    return rx.hstack(
        rx.cond(st["done"], rx.icon("circle-check", color="var(--green-9)", size=18),
                rx.icon("circle", color="var(--gray-9)", size=18)),
        rx.cond(st["done"], rx.text(st["title"], color_scheme="gray"), rx.link(st["title"], href=st["href"])),
        align="center", spacing="2")


def _first_steps() -> rx.Component:
    """The new company's checklist (admins, until every step is done)."""
    s: Any = DashboardState
    return rx.cond(s.first_steps.length() > 0, rx.card(rx.vstack(
        rx.heading("Getting started", size="4"), rx.foreach(s.first_steps, _step), spacing="2"),
        width="100%", id="first-steps"))


def _waiting() -> rx.Component:
    """Tasks no available worker could take, with the two ways out."""
    s: Any = DashboardState
    return rx.cond(s.waiting_tasks > 0, rx.callout(
        rx.hstack(rx.text(s.waiting_tasks, " task(s) wait because no worker is available."),
                  rx.link("Make someone a worker or available", href="/admin/users"),
                  rx.link("Take or complete them yourself", href="/admin/tasks"),
                  spacing="3", wrap="wrap"),
        icon="triangle-alert", color_scheme="amber", width="100%", id="waiting-tasks"))


def _badges(items: Any, color: str) -> rx.Component:
    return rx.flex(rx.foreach(items, lambda r: rx.badge(r, color_scheme=color, variant="soft")),
                   wrap="wrap", spacing="2")


def _charts() -> rx.Component:
    s: Any = DashboardState
    company = rx.grid(
        chart_card("Tickets per day", "Opened and closed in the company, last 30 days (UTC)",
                   per_day_chart(s.company_days, [("opened", "Opened", "var(--accent-9)"),
                                                  ("closed", "Closed", "var(--green-9)")]), id="chart-tickets"),
        chart_card("Open tasks per worker", "Open, in progress and pending tasks by assignee",
                   horizontal_bars(s.worker_load, "open_tasks", "Open tasks", "var(--amber-9)"),
                   id="chart-workers", empty=s.worker_load.length() == 0),
        chart_card("Median completion time", "Hours from start to completion per workflow, last 30 days",
                   horizontal_bars(s.workflow_medians, "median_hours", "Median hours", "var(--teal-9)"),
                   id="chart-workflows", empty=s.workflow_medians.length() == 0),
        columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%")
    mine = rx.grid(
        chart_card("My tickets per day", "Tickets I opened and that were closed, last 30 days (UTC)",
                   per_day_chart(s.my_days, [("opened", "Opened", "var(--accent-9)"),
                                             ("closed", "Closed", "var(--green-9)")]), id="chart-my-tickets"),
        rx.cond(s.is_worker, chart_card("My tasks done per day", "Tasks I completed, last 30 days (UTC)",
                                        per_day_chart(s.my_days, [("tasks_done", "Done", "var(--teal-9)")]),
                                        id="chart-my-tasks")),
        columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%")
    return rx.cond(~s.charts_loaded, loading_block("Loading charts…"), rx.vstack(
        rx.heading(rx.cond(s.show_company, "Company activity", "My numbers"), size="4"),
        rx.cond(s.show_company, company, mine), width="100%", spacing="3", id="dashboard-charts"))


@rx.page(route="/dashboard", title="Dashboard · tfai", on_load=DashboardState.load)
def dashboard() -> rx.Component:
    s = DashboardState
    return app_page(
        error_summary(s.dashboard_error),
        _waiting(),
        _first_steps(),
        rx.card(rx.vstack(
            rx.heading("Welcome, ", s.display_name, size="5", id="welcome"),
            rx.text(s.user_email, color_scheme="gray", size="2"),
            rx.hstack(rx.icon("building-2", size=16), rx.text(s.company_name, weight="medium", id="dash-company"),
                      align="center"),
            rx.hstack(rx.text("System roles", size="2", color_scheme="gray", min_width="8em"),
                      _badges(s.system_roles, "violet"), align="center"),
            rx.hstack(rx.text("Company roles", size="2", color_scheme="gray", min_width="8em"),
                      _badges(s.company_roles, "teal"), align="center"),
            spacing="2"), width="100%"),
        rx.grid(
            _stat("My open tickets", s.my_open_tickets, "inbox", "/tickets"),
            rx.cond(s.is_worker | s.is_ticket_admin, _stat("My open tasks", s.my_open_tasks, "list-checks",
                                                            "/tasks")),
            rx.cond(s.company_open_tickets >= 0, _stat("Open tickets in the company", s.company_open_tickets,
                                                       "ticket", "/admin/tickets")),
            rx.cond(s.company_open_tasks >= 0, _stat("Open tasks in the company", s.company_open_tasks,
                                                     "clipboard-list", "/admin/tasks")),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"), spacing="4", width="100%",
        ),
        _charts(),
        rx.heading("What you can do", size="4"),
        rx.grid(
            _shortcut("Submit ticket", "/tickets/new", "circle-plus", "Ask for something with a form."),
            _shortcut("My tickets", "/tickets", "inbox", "Follow what you asked for."),
            rx.cond(s.is_worker, _shortcut("My tasks", "/tasks", "list-checks", "Work assigned to you.")),
            rx.cond(s.is_ticket_admin, _shortcut("Tickets", "/admin/tickets", "ticket", "All company tickets.")),
            rx.cond(s.is_ticket_admin, _shortcut("Tasks", "/admin/tasks", "clipboard-list", "Every task; reassign.")),
            rx.cond(s.is_designer, _shortcut("Definitions", "/definitions/workflows", "workflow",
                                             "Ticket types, forms and workflows.")),
            rx.cond(s.is_designer, _shortcut("Assistant", "/assistant", "sparkles",
                                             "Describe a process; get a draft.")),
            rx.cond(s.is_admin, _shortcut("Users and roles", "/admin/users", "users",
                                          "Invite people and set their roles.")),
            rx.cond(s.is_admin, _shortcut("Company settings", "/admin/settings", "settings",
                                          "The webhook signing secret of your actions.")),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="3", width="100%",
        ),
        title="Dashboard",
    )

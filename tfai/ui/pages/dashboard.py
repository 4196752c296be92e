"""The dashboard: who I am, my company and roles, what is waiting, and where my roles let me go."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.errors import TfaiError
from tfai.services import accounts
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.state.auth import AuthState
from tfai.ui.state.form_values import error_message


class DashboardState(AuthState):
    """Plain copies of the dashboard DTO."""

    company_roles: list[str] = []
    my_open_tickets: int = 0
    my_open_tasks: int = 0
    company_open_tickets: int = -1
    company_open_tasks: int = -1
    dashboard_error: str = ""

    @rx.event
    async def load(self) -> Any:
        actor = await self._guard()
        if actor is None:
            return self._to_login()
        try:
            dto = await accounts.dashboard(actor)
        except TfaiError as exc:
            self.dashboard_error = error_message(exc)
            return None
        self.dashboard_error = ""
        self.company_roles = list(dto.me.company_roles)
        self.my_open_tickets, self.my_open_tasks = dto.my_open_tickets, dto.my_open_tasks
        self.company_open_tickets = -1 if dto.company_open_tickets is None else dto.company_open_tickets
        self.company_open_tasks = -1 if dto.company_open_tasks is None else dto.company_open_tasks
        return None


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


def _badges(items: Any, color: str) -> rx.Component:
    return rx.flex(rx.foreach(items, lambda r: rx.badge(r, color_scheme=color, variant="soft")),
                   wrap="wrap", spacing="2")


@rx.page(route="/dashboard", title="Dashboard · tfai", on_load=DashboardState.load)
def dashboard() -> rx.Component:
    s = DashboardState
    return app_page(
        error_summary(s.dashboard_error),
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
            columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="3", width="100%",
        ),
        title="Dashboard",
    )

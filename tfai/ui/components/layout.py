"""The page frame: header with navigation, content area, footer."""

from __future__ import annotations

import reflex as rx

BRAND = "tfai"


def header(*links: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.link(rx.heading(BRAND, size="6", color_scheme="violet"), href="/", underline="none"),
        rx.text("by Ticketflower", size="2", color_scheme="gray"),
        rx.spacer(),
        *links,
        align="center", width="100%", padding_x="1.5em", padding_y="0.8em",
        border_bottom="1px solid var(--gray-a5)", spacing="4",
    )


def public_page(*children: rx.Component, title: str = "") -> rx.Component:
    """A page for visitors who are not logged in."""
    return rx.box(
        header(rx.link("Log in", href="/login"), rx.button("Sign up", on_click=rx.redirect("/signup"))),
        rx.container(
            rx.vstack(*( [rx.heading(title, size="7")] if title else [] ), *children, spacing="5", width="100%"),
            size="3", padding_y="2em",
        ),
    )


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), spacing="2", align="center"),
        href=href, underline="none", color_scheme="gray", high_contrast=True,
        padding_x="0.7em", padding_y="0.45em", border_radius="var(--radius-2)", width="100%",
        _hover={"background": "var(--gray-a3)"},
    )


def _nav_group(title: str, *links: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(title, size="1", color_scheme="gray", weight="medium", padding_x="0.7em"),
                     *links, spacing="1", width="100%")


def sidebar_nav() -> rx.Component:
    """Navigation links, only those the actor's roles allow (the services still check every action)."""
    from tfai.ui.state.auth import AuthState

    return rx.vstack(
        _nav_link("Dashboard", "/dashboard", "layout-dashboard"),
        _nav_group("Requests", _nav_link("Submit ticket", "/tickets/new", "circle-plus"),
                   _nav_link("My tickets", "/tickets", "inbox")),
        rx.cond(AuthState.is_worker, _nav_group("Work", _nav_link("My tasks", "/tasks", "list-checks"))),
        rx.cond(AuthState.is_ticket_admin, _nav_group("Manage", _nav_link("Tickets", "/admin/tickets", "ticket"),
                                                       _nav_link("Tasks", "/admin/tasks", "clipboard-list"))),
        rx.cond(AuthState.is_designer, _nav_group(
            "Design", _nav_link("Definitions", "/definitions/workflows", "workflow"),
            _nav_link("Upload", "/definitions/upload", "upload"),
            _nav_link("Assistant", "/assistant", "sparkles"))),
        rx.cond(AuthState.is_admin, _nav_group("Company", _nav_link("Users and roles", "/admin/users", "users"),
                                               _nav_link("Staff access", "/admin/staff-access", "shield-check"),
                                               _nav_link("Audit log", "/admin/audit", "scroll-text"))),
        rx.cond(AuthState.is_staff_console, _nav_group("Ticketflower",
                                                       _nav_link("Staff console", "/staff", "building-2"))),
        rx.spacer(),
        _nav_link("Profile", "/profile", "circle-user"),
        rx.link(rx.hstack(rx.icon("log-out", size=16), rx.text("Log out", size="2"), spacing="2", align="center"),
                href="/api/v1/auth/logout", reload_document=True, underline="none", color_scheme="gray",
                high_contrast=True, padding_x="0.7em", padding_y="0.45em", id="logout-link"),
        spacing="3", width="100%", align="stretch", height="100%",
    )


def _user_chip() -> rx.Component:
    from tfai.ui.state.auth import AuthState

    return rx.hstack(
        rx.vstack(rx.text(AuthState.display_name, size="2", weight="medium"),
                  rx.text(AuthState.company_name, size="1", color_scheme="gray", id="header-company"),
                  spacing="0", align="end"),
        rx.avatar(fallback=AuthState.display_name.to(str)[:1], size="2", radius="full"),
        spacing="2", align="center",
    )


def staff_banner() -> rx.Component:
    from tfai.ui.state.auth import AuthState
    from tfai.ui.state.staff_session import StaffSessionState

    return rx.cond(
        AuthState.staff_banner != "",
        rx.callout.root(rx.callout.icon(rx.icon("shield-alert")),
                        rx.callout.text(AuthState.staff_banner, " · ",
                                        rx.button("Exit", size="1", variant="soft", color_scheme="amber",
                                                  on_click=StaffSessionState.exit_grant, id="staff-exit")),
                        color_scheme="amber", variant="surface", width="100%", id="staff-banner"),
    )


def app_page(*children: rx.Component, title: str = "", actions: rx.Component | None = None) -> rx.Component:
    """The logged-in frame: header with user and company, role-aware sidebar, staff banner, content."""
    heading = rx.hstack(rx.heading(title, size="7"), rx.spacer(), *([actions] if actions is not None else []),
                        width="100%", align="center") if title else rx.fragment()
    return rx.box(
        header(_user_chip()),
        rx.flex(
            rx.box(sidebar_nav(), width=["100%", "100%", "220px"], flex_shrink="0", padding="1em",
                   border_right=["none", "none", "1px solid var(--gray-a5)"],
                   border_bottom=["1px solid var(--gray-a5)", "1px solid var(--gray-a5)", "none"],
                   min_height=["auto", "auto", "calc(100vh - 60px)"]),
            rx.box(
                rx.vstack(staff_banner(), heading, *children, spacing="5", width="100%", max_width="1100px"),
                flex="1", padding=["1em", "1.5em", "2em"], min_width="0",
            ),
            direction=rx.breakpoints(initial="column", md="row"), width="100%",
        ),
    )

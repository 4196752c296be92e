"""The page frame: header (menu, brand, colour mode, user menu), role-aware sidebar, staff banner, breadcrumbs."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.notices import notices
from tfai.ui.components.session_hop import go_logout, session_hop

BRAND = "tfai"


def header(*links: rx.Component, menu: rx.Component | None = None, home: str = "/") -> rx.Component:
    """The top bar; the brand links `home` (the landing page for visitors, the dashboard once logged in)."""
    return rx.hstack(
        *([menu] if menu is not None else []),
        rx.link(rx.heading(BRAND, size="6", color_scheme="violet"), href=home, underline="none", id="brand-link"),
        rx.text("by Ticketflower", size="2", color_scheme="gray", display=["none", "block"]),
        rx.spacer(),
        *links,
        align="center", width="100%", padding_x=["0.8em", "1.5em"], padding_y="0.8em",
        border_bottom="1px solid var(--gray-a5)", spacing="4", as_="header",
    )


def public_page(*children: rx.Component, title: str = "") -> rx.Component:
    """A page for visitors who are not logged in."""
    return rx.box(
        session_hop(),
        notices(),
        header(color_mode_toggle(), rx.link("Log in", href="/login"),
               rx.button("Sign up", on_click=rx.redirect("/signup"))),
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


# The navigation, once: (group title, the AuthState flag that shows it or "", [(label, href, icon)]).
NAV: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    ("", "", [("Dashboard", "/dashboard", "layout-dashboard")]),
    ("Requests", "", [("Submit ticket", "/tickets/new", "circle-plus"), ("My tickets", "/tickets", "inbox")]),
    ("Work", "is_worker", [("My tasks", "/tasks", "list-checks")]),
    ("Manage", "is_ticket_admin", [("Tickets", "/admin/tickets", "ticket"),
                                   ("Tasks", "/admin/tasks", "clipboard-list")]),
    ("Design", "is_designer", [("Definitions", "/definitions/workflows", "workflow"),
                               ("Upload", "/definitions/upload", "upload"), ("Assistant", "/assistant", "sparkles")]),
    ("Company", "is_admin", [("Users and roles", "/admin/users", "users"),
                             ("Staff access", "/admin/staff-access", "shield-check"),
                             ("Audit log", "/admin/audit", "scroll-text"),
                             ("Settings", "/admin/settings", "settings")]),
    ("Ticketflower", "is_staff_console", [("Staff console", "/staff", "building-2")]),
]


def _when_flag(flag: str, child: rx.Component) -> rx.Component:
    from tfai.ui.state.auth import AuthState

    return rx.cond(getattr(AuthState, flag), child) if flag else child


def sidebar_nav() -> rx.Component:
    """Navigation links, only those the actor's roles allow (the services still check every action)."""
    groups = []
    for title, flag, links in NAV:
        items = [_nav_link(label, href, icon) for label, href, icon in links]
        groups.append(_when_flag(flag, _nav_group(title, *items) if title else items[0]))
    return rx.vstack(
        *groups,
        rx.spacer(),
        _nav_link("Profile", "/profile", "circle-user"),
        # A button, not a link: logout is a same-origin POST (components.session_hop.go_logout).
        rx.button(rx.hstack(rx.icon("log-out", size=16), rx.text("Log out", size="2"), spacing="2", align="center"),
                  on_click=go_logout(), variant="ghost", color_scheme="gray", high_contrast=True,
                  justify_content="start", padding_x="0.7em", padding_y="0.45em", id="logout-link"),
        spacing="3", width="100%", align="stretch", height="100%", as_="nav", aria_label="Main",
    )


def _go(href: str) -> Any:
    return rx.redirect(href)


def _menu_label(text: Any) -> rx.Component:
    return rx.text(text, size="1", color_scheme="gray", padding_x="0.75em", padding_y="0.3em")


def mobile_nav() -> rx.Component:
    """Below the md breakpoint the sidebar is hidden: a menu button lists the same links."""
    items: list[rx.Component] = []
    for title, flag, links in NAV:
        group = [rx.menu.item(rx.hstack(rx.icon(icon, size=16), label, spacing="2", align="center"),
                              on_select=_go(href)) for label, href, icon in links]
        if title:
            group = [rx.menu.separator(), _menu_label(title), *group]
        items.append(_when_flag(flag, rx.fragment(*group)))
    return rx.box(rx.menu.root(
        rx.menu.trigger(rx.icon_button(rx.icon("menu", size=20), variant="ghost", color_scheme="gray",
                                       aria_label="Open navigation", id="mobile-nav-button")),
        rx.menu.content(*items, id="mobile-nav", min_width="14em"),
    ), display=["block", "block", "none"])


def _user_chip() -> rx.Component:
    from tfai.ui.state.auth import AuthState

    return rx.hstack(
        rx.vstack(rx.text(AuthState.display_name, size="2", weight="medium", id="header-user"),
                  rx.text(AuthState.company_name, size="1", color_scheme="gray", id="header-company"),
                  spacing="0", align="end", display=["none", "flex"]),
        rx.avatar(fallback=AuthState.display_name.to(str)[:1], size="2", radius="full"),
        spacing="2", align="center",
    )


def user_menu() -> rx.Component:
    """The user chip opens a menu: profile, company settings (admins), log out."""
    from tfai.ui.state.auth import AuthState

    return rx.menu.root(
        rx.menu.trigger(rx.button(_user_chip(), variant="ghost", color_scheme="gray", high_contrast=True,
                                  aria_label="User menu", id="user-menu-button", height="auto", padding="0.3em")),
        rx.menu.content(
            _menu_label(AuthState.user_email),
            rx.menu.item(rx.hstack(rx.icon("circle-user", size=16), "Profile", spacing="2"), on_select=_go("/profile"),
                         id="menu-profile"),
            rx.cond(AuthState.is_admin, rx.menu.item(rx.hstack(rx.icon("settings", size=16), "Company settings",
                                                               spacing="2"), on_select=_go("/admin/settings"))),
            rx.menu.separator(),
            rx.menu.item(rx.hstack(rx.icon("log-out", size=16), "Log out", spacing="2"), color_scheme="red",
                         on_select=go_logout(), id="menu-logout"),
        ),
    )


def color_mode_toggle() -> rx.Component:
    return rx.color_mode.button(aria_label="Toggle light and dark mode", id="color-mode-toggle", size="2",
                                variant="ghost", z_index="1")


def breadcrumbs(*crumbs: tuple[Any, Any], current: Any) -> rx.Component:
    """Where a detail page sits: links to its parents, then the page itself (aria-current)."""
    parts: list[rx.Component] = []
    for label, href in crumbs:
        parts.extend([rx.link(label, href=href, size="2", color_scheme="gray", high_contrast=False),
                      rx.icon("chevron-right", size=14, color="var(--gray-9)", aria_hidden="true")])
    parts.append(rx.text(current, size="2", weight="medium", aria_current="page", truncate=True, max_width="40ch"))
    return rx.hstack(*parts, align="center", spacing="1", wrap="wrap", as_="nav", aria_label="Breadcrumb",
                     id="breadcrumbs")


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
        session_hop(),
        notices(),
        header(color_mode_toggle(), user_menu(), menu=mobile_nav(), home="/dashboard"),
        rx.flex(
            rx.box(sidebar_nav(), width="220px", flex_shrink="0", padding="1em",
                   border_right="1px solid var(--gray-a5)", min_height="calc(100vh - 60px)",
                   display=["none", "none", "block"]),
            rx.box(
                rx.vstack(staff_banner(), heading, *children, spacing="5", width="100%", max_width="1100px"),
                flex="1", padding=["1em", "1.5em", "2em"], min_width="0", as_="main",
            ),
            direction="row", width="100%",
        ),
    )

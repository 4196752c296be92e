"""Shared pieces of the designer pages: the section tabs, a searchable paged table, JSON blocks, key/value rows."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_SEARCH
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page, breadcrumbs

SECTIONS = (("Workflows", "/definitions/workflows"), ("Task definitions", "/definitions/tasks"),
            ("Ticket types", "/definitions/ticket-types"), ("Upload", "/definitions/upload"),
            ("Dry run", "/definitions/dry-run"))


def section_tabs(current: str) -> rx.Component:
    return rx.hstack(
        *[rx.link(rx.button(label, size="2", variant="solid" if href == current else "soft",
                            color_scheme="violet" if href == current else "gray"), href=href)
          for label, href in SECTIONS],
        spacing="2", wrap="wrap",
    )


def paged_table(state: Any, headers: list[str], row: Any, *, table_id: str, noun: str,
                placeholder: str = "Search key or title") -> rx.Component:
    """Search box, the state's rows through `row`, and previous/next buttons (pages come from SQL)."""
    return rx.vstack(
        rx.form(rx.hstack(rx.input(name="search", placeholder=placeholder, default_value=state.search,
                                   max_length=MAX_SEARCH, width="280px"),
                          rx.button(rx.icon("search", size=16), "Search", type="submit", variant="soft"),
                          spacing="2"), on_submit=state.do_search, reset_on_submit=False),
        rx.cond(state.rows.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(state.rows, row)), variant="surface", width="100%", id=table_id),
            rx.text(f"No {noun} match.", color_scheme="gray")),
        rx.hstack(rx.button("Previous", size="1", variant="soft", disabled=state.page <= 1,
                            on_click=state.go_page(-1)),
                  rx.text("Page ", state.page, " of ", state.page_count, " · ", state.total, f" {noun}", size="2"),
                  rx.button("Next", size="1", variant="soft", disabled=state.page >= state.page_count,
                            on_click=state.go_page(1)), align="center", spacing="3"),
        spacing="3", width="100%", overflow_x="auto",
    )


def json_block(title: str, text: Any, *, language: str = "json") -> rx.Component:
    """A titled, highlighted, read-only code block (hidden when the text is empty)."""
    return rx.cond(
        text != "",
        rx.vstack(rx.text(title, size="2", weight="medium"),
                  rx.code_block(text, language=language, width="100%", wrap_long_lines=True,
                                custom_style={"fontSize": "12px", "maxHeight": "420px"}),
                  spacing="1", width="100%"),
    )


def kv(label: str, value: Any) -> rx.Component:
    return rx.hstack(rx.text(label, size="2", color_scheme="gray", min_width="10em"),
                     rx.box(value if isinstance(value, rx.Component) else rx.text(value, size="2")),
                     align="start", width="100%")


def type_badge(kind: Any) -> rx.Component:
    return rx.badge(kind, variant="soft", color_scheme=rx.match(
        kind, ("FORM", "blue"), ("SYNC_ACTION", "orange"), ("ASYNC_ACTION", "purple"), ("JOIN", "green"),
        ("TIMER", "amber"), ("CALL", "cyan"), "gray"))


def _ext_ref(ref: Any) -> rx.Component:
    href = ref["href"].to(str)
    return rx.hstack(
        rx.cond(href != "", rx.link(ref["label"].to(str), href=href, is_external=True, rel="noopener noreferrer"),
                rx.text(ref["label"].to(str), " (", ref["uri"].to(str), ")", size="2")),
        rx.text(ref["desc"].to(str), size="2", color_scheme="gray"), spacing="2", align="center")


def ext_ref_links(state: Any, *, list_id: str) -> rx.Component:
    """A definition's ext_ref as "Links": each opens in a new tab, without the opener or a referrer (a uri that is
    not a safe link is shown as text)."""
    return rx.cond(state.links.length() > 0,
                   kv("Links", rx.vstack(rx.foreach(state.links, _ext_ref), spacing="1", id=list_id)))


def version_links(state: Any, route: str, *, list_id: str) -> rx.Component:
    """A definition page's versions as badges linking to each (the one shown is solid)."""
    return rx.flex(rx.foreach(state.versions, lambda v: rx.link(
        rx.badge("v", v["version"].to(str), " · ", v["created"].to(str), " · ", v["by"].to(str),
                 variant=rx.cond(v["version"].to(str) == state.version.to(str), "solid", "soft")),
        href=route + state.item_key.to(str) + "?version=" + v["version"].to(str))),
        wrap="wrap", gap="2", id=list_id)


def definition_page(state: Any, *, noun: str, parents: tuple[tuple[Any, Any], ...], heading_id: str,
                    body: tuple[rx.Component, ...]) -> rx.Component:
    """One definition's page: breadcrumbs, the section tabs, its error, then (once loaded) its title and body."""
    return app_page(
        breadcrumbs(("Definitions", "/definitions/workflows"), *parents,
                    current=rx.cond(state.title != "", state.title, noun)),
        section_tabs(""),
        error_summary(state.error),
        rx.cond(state.title != "", rx.vstack(rx.heading(state.title, size="6", id=heading_id), *body,
                                             spacing="4", width="100%")),
        title=noun,
    )

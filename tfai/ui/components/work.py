"""Building blocks of the ticket and task pages: badges, tabs, pager, empty and loading states, label/value lists."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_SEARCH


def status_badge(text: Any, color: Any) -> rx.Component:
    """A status badge; the colour comes from work_rows.status_color (the one mapping for every page)."""
    return rx.badge(text, color_scheme=color, variant="soft", radius="full")


def time_text(ago: Any, absolute: Any, size: str = "2") -> rx.Component:
    """A relative time ('3 h ago') with the absolute UTC time as its tooltip and title."""
    return rx.tooltip(rx.text(ago, size=size, title=absolute, tab_index=0, as_="span"), content=absolute)


def tabs(state: Any) -> rx.Component:
    """Active / Archive tabs bound to a PagedListMixin state."""
    return rx.tabs.root(
        rx.tabs.list(rx.tabs.trigger("Active", value="active", id="tab-active"),
                     rx.tabs.trigger("Archive", value="archived", id="tab-archived")),
        value=state.tab, on_change=state.set_tab, width="100%",
    )


def pager(state: Any, noun: str) -> rx.Component:
    """Previous / Next with 'Page x of y · n rows'."""
    return rx.hstack(
        rx.button(rx.icon("chevron-left", size=16), "Previous", size="1", variant="soft",
                  disabled=(state.page <= 1) | state.loading, on_click=state.go_page(-1), id="page-prev"),
        rx.text("Page ", state.page, " of ", state.page_count, " · ", state.total, f" {noun}", size="2",
                id="page-info"),
        rx.button("Next", rx.icon("chevron-right", size=16), size="1", variant="soft",
                  disabled=(state.page >= state.page_count) | state.loading, on_click=state.go_page(1),
                  id="page-next"),
        align="center", spacing="3",
    )


def loading_block(label: str = "Loading…") -> rx.Component:
    return rx.hstack(rx.spinner(size="3"), rx.text(label, color_scheme="gray"), align="center", spacing="3",
                     padding_y="1em")


def empty_state(icon: str, title: str, text: str, action: rx.Component | None = None) -> rx.Component:
    return rx.card(rx.vstack(
        rx.icon(icon, size=32, color="var(--gray-9)"),
        rx.text(title, weight="medium"),
        rx.text(text, size="2", color_scheme="gray", text_align="center"),
        *([action] if action is not None else []),
        align="center", spacing="2", padding_y="1.5em", width="100%"), width="100%", class_name="empty-state")


def loaded(state: Any, empty: rx.Component, content: rx.Component) -> rx.Component:
    """Spinner while loading, then the empty state or the content."""
    return rx.cond(state.loading & ~state.loaded, loading_block(),
                   rx.cond(state.rows.length() > 0, content, rx.cond(state.loaded, empty, loading_block())))


def pairs(items: Any, *, id: str | None = None) -> rx.Component:
    """Label/value pairs ({label, value} dicts) as a definition grid."""
    return rx.grid(
        rx.foreach(items, lambda p: rx.fragment(
            rx.text(p["label"].to(str), size="2", color_scheme="gray"),
            rx.text(p["value"].to(str), size="2", white_space="pre-wrap", word_break="break-word"))),
        columns="minmax(8em, max-content) 1fr", gap_x="4", gap_y="2", width="100%",
        **({"id": id} if id else {}),
    )


def search_form(state: Any, placeholder: str) -> rx.Component:
    return rx.form(
        rx.hstack(rx.input(name="search", placeholder=placeholder, default_value=state.search, max_length=MAX_SEARCH,
                           width="280px", id="list-search"),
                  rx.button(rx.icon("search", size=16), "Search", type="submit", variant="soft"), spacing="2"),
        on_submit=state.do_search, reset_on_submit=False,
    )


def link_cell(text: Any, href: Any, sub: Any = None) -> rx.Component:
    return rx.table.cell(rx.vstack(
        rx.link(text, href=href, weight="medium"),
        *([rx.text(sub, size="1", color_scheme="gray")] if sub is not None else []), spacing="0"))


def choice(name: str, items: Any, value: Any, *, width: str = "180px", label: str = "") -> rx.Component:
    """A select of {value, label} dicts submitted under `name`."""
    select = rx.select.root(
        rx.select.trigger(width=width, id=f"filter-{name}"),
        rx.select.content(rx.foreach(items, lambda o: rx.select.item(o["label"], value=o["value"]))),
        name=name, default_value=value)
    if not label:
        return select
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), select, spacing="1")

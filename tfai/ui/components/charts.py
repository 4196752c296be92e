"""Dashboard charts (Reflex's recharts): small, labelled, readable in light and dark mode."""

from __future__ import annotations

from typing import Any

import reflex as rx

AXIS = {"stroke": "var(--gray-9)", "font_size": 12}
GRID = {"stroke_dasharray": "3 3", "stroke": "var(--gray-a5)"}
TOOLTIP = {"content_style": {"background": "var(--color-panel-solid)", "border": "1px solid var(--gray-a6)",
                             "color": "var(--gray-12)"}}


def chart_card(title: str, text: str, chart: rx.Component, *, id: str, empty: Any = None) -> rx.Component:
    """A titled card around a chart; `empty` (a bool var) shows a quiet note instead of an empty plot."""
    body = chart if empty is None else rx.cond(
        empty, rx.center(rx.text("Nothing to show yet.", size="2", color_scheme="gray"), height="220px"), chart)
    return rx.card(rx.vstack(rx.text(title, weight="medium"), rx.text(text, size="1", color_scheme="gray"),
                             rx.box(body, width="100%", height="240px"), spacing="1", width="100%"),
                   width="100%", id=id, role="figure", aria_label=title)


def per_day_chart(data: Any, series: list[tuple[str, str, str]]) -> rx.Component:
    """Bars per UTC day; series are (data key, legend name, colour var)."""
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(**GRID),
        *[rx.recharts.bar(data_key=key, name=name, fill=color, radius=[3, 3, 0, 0], is_animation_active=False)
          for key, name, color in series],
        rx.recharts.x_axis(data_key="label", interval="preserveStartEnd", min_tick_gap=16, **AXIS),
        rx.recharts.y_axis(allow_decimals=False, width=32, **AXIS),
        rx.recharts.graphing_tooltip(**TOOLTIP),
        rx.recharts.legend(),
        data=data, width="100%", height=240, bar_gap=1,
    )


def horizontal_bars(data: Any, key: str, name: str, color: str, label_key: str = "name") -> rx.Component:
    """One bar per row (workers, workflows), the label on the left."""
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(horizontal=False, **GRID),
        rx.recharts.bar(data_key=key, name=name, fill=color, radius=[0, 3, 3, 0], is_animation_active=False),
        rx.recharts.x_axis(type_="number", allow_decimals=key != "open_tasks", **AXIS),
        rx.recharts.y_axis(data_key=label_key, type_="category", width=120, **AXIS),
        rx.recharts.graphing_tooltip(**TOOLTIP),
        data=data, layout="vertical", width="100%", height=240,
    )

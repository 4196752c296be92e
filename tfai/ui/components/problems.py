"""A list of validator errors and warnings: JSON pointer, code, message, and the offending line when known."""

from __future__ import annotations

from typing import Any

import reflex as rx


def _context(row: Any) -> rx.Component:
    line = row["line"].to(str)
    return rx.cond(
        line != "",
        rx.box(
            rx.cond(row["before"].to(str) != "", rx.el.pre(row["before"].to(str), margin="0", color="var(--gray-10)")),
            rx.el.pre(line, ": ", row["text"].to(str), margin="0", background="var(--red-a4)",
                      class_name="problem-line"),
            rx.cond(row["after"].to(str) != "", rx.el.pre(row["after"].to(str), margin="0", color="var(--gray-10)")),
            font_family="var(--code-font-family, monospace)", font_size="12px", padding="0.3em 0.5em",
            border_radius="var(--radius-2)", background="var(--gray-a2)", overflow_x="auto", width="100%",
        ),
    )


def problem_item(row: Any) -> rx.Component:
    error = row["severity"].to(str) == "error"
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.badge(row["severity"].to(str), color_scheme=rx.cond(error, "red", "amber")),
                rx.code(row["path"].to(str), size="1"),
                rx.text(row["code"].to(str), size="1", color_scheme="gray"),
                rx.cond(row["line"].to(str) != "", rx.text("line ", row["line"].to(str), size="1",
                                                           color_scheme="gray")),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.text(row["message"].to(str), size="2"),
            _context(row),
            spacing="1", width="100%",
        ),
        class_name=rx.cond(error, "problem problem-error", "problem problem-warning"),
        padding="0.5em 0", border_bottom="1px solid var(--gray-a4)", list_style="none",
    )


def problems_list(rows: Any, **props: Any) -> rx.Component:
    """Every problem row (dicts from definitions_helpers.problem_rows), errors first."""
    return rx.cond(
        rows.length() > 0,
        rx.el.ul(rx.foreach(rows, problem_item), padding="0", margin="0", width="100%", id="problems", **props),
    )

"""Workflow page: metadata, links, diagram, tasks, transitions, versions, diff, ticket types, export, edit, try."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.ui.components.definitions import definition_page, ext_ref_links, kv, type_badge, version_links
from tfai.ui.components.diagram import diagram_image
from tfai.ui.state.definitions_workflow import WorkflowDetailState

S: Any = WorkflowDetailState


def _actions() -> rx.Component:
    base = "/api/v1/definitions/bundles/" + S.item_key.to(str)
    return rx.hstack(
        rx.el.a(rx.button(rx.icon("download", size=16), "Export JSON", variant="soft"), href=base + "?format=json",
                download=True, id="export-json"),
        rx.el.a(rx.button(rx.icon("download", size=16), "Export YAML", variant="soft"), href=base + "?format=yaml",
                download=True, id="export-yaml"),
        rx.cond(S.is_designer, rx.link(rx.button(rx.icon("pencil", size=16), "Edit", variant="soft"),
                                       href="/definitions/upload?from=" + S.item_key.to(str) + "&at=/workflow",
                                       id="edit-workflow")),
        rx.link(rx.button(rx.icon("play", size=16), "Try it"),
                href="/definitions/dry-run?workflow=" + S.item_key.to(str)),
        spacing="2", wrap="wrap",
    )


def _meta() -> rx.Component:
    return rx.card(rx.vstack(
        kv("Key", rx.code(S.item_key)),
        kv("Version", rx.hstack(rx.badge("v", S.version), rx.cond(
            S.version != S.newest_version,
            rx.link("newest is v" + S.newest_version.to(str), href="/definitions/workflows/" + S.item_key.to(str)),
            rx.text("newest", size="1", color_scheme="gray")), spacing="2")),
        kv("Description", S.description),
        kv("Starts at", rx.code(S.start)),
        kv("Saved", rx.text(S.created, " by ", S.created_by, size="2")),
        ext_ref_links(S, list_id="wf-links"),
        kv("Workflow fields", rx.vstack(rx.foreach(S.wf_fields, lambda f: rx.text(
            rx.code(f["name"].to(str)), " ", f["type"].to(str), " ", f["description"].to(str), size="2")),
            spacing="1")),
        kv("Started by", rx.flex(rx.foreach(S.ticket_types, lambda t: rx.link(
            rx.badge(t["title"].to(str), " (", t["key"].to(str), " v", t["version"].to(str), ")", color_scheme="teal"),
            href="/definitions/ticket-types/" + t["key"].to(str))), wrap="wrap", gap="2", id="wf-ticket-types")),
        spacing="2", width="100%"), width="100%")


def _tables() -> rx.Component:
    return rx.grid(
        rx.vstack(rx.heading("Tasks", size="4"), rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Key", "Title", "Type", "Flow")])),
            rx.table.body(rx.foreach(S.tasks, lambda t: rx.table.row(
                rx.table.cell(rx.link(rx.code(t["key"].to(str)),
                                      href="/definitions/tasks/" + S.item_key.to(str) + "/" + t["key"].to(str))),
                rx.table.cell(t["title"].to(str)), rx.table.cell(type_badge(t["type"].to(str))),
                rx.table.cell(rx.text(t["flow"].to(str), size="1", color_scheme="gray"))))),
            variant="surface", width="100%", id="wf-tasks"), width="100%"),
        rx.vstack(rx.heading("Transitions", size="4"), rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h)
                                           for h in ("From", "To", "Condition", "Priority")])),
            rx.table.body(rx.foreach(S.transitions, lambda t: rx.table.row(
                rx.table.cell(rx.code(t["from"].to(str))), rx.table.cell(rx.code(t["to"].to(str))),
                rx.table.cell(rx.cond(t["condition"].to(str) != "", rx.code(t["condition"].to(str)),
                                      rx.text("always", size="1", color_scheme="gray"))),
                rx.table.cell(t["priority"].to(str))))),
            variant="surface", width="100%", id="wf-transitions"), width="100%"),
        columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
    )


def _versions() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Versions", size="4"),
        version_links(S, "/definitions/workflows/", list_id="wf-versions"),
        rx.hstack(rx.text("Compare", size="2"),
                  rx.select(S.version_options, value=S.diff_a, on_change=S.set_diff_a, size="1", id="diff-a"),
                  rx.text("with", size="2"),
                  rx.select(S.version_options, value=S.diff_b, on_change=S.set_diff_b, size="1", id="diff-b"),
                  rx.button("Show diff", size="1", variant="soft", on_click=S.show_diff),
                  align="center", spacing="2"),
        rx.cond(S.diff_note != "", rx.text(S.diff_note, size="2", color_scheme="gray")),
        rx.cond(S.diff_lines.length() > 0, rx.box(rx.foreach(S.diff_lines, lambda d: rx.el.pre(
            d["text"].to(str), margin="0", padding_x="0.5em", color=f"var(--{d['colour'].to(str)}-11)",
            background=rx.match(d["kind"].to(str), ("add", "var(--green-a3)"), ("remove", "var(--red-a3)"),
                                ("hunk", "var(--violet-a2)"), "transparent"),
            class_name="diff-" + d["kind"].to(str))),
            font_family="monospace", font_size="12px", width="100%", overflow_x="auto", max_height="480px",
            border="1px solid var(--gray-a5)", border_radius="var(--radius-2)", id="wf-diff")),
        spacing="3", width="100%"), width="100%")


@rx.page(route="/definitions/workflows/[workflow_key]", title="Workflow · tfai", on_load=S.load)
def definition_workflow() -> rx.Component:
    return definition_page(S, noun="Workflow", parents=(("Workflows", "/definitions/workflows"),),
                           heading_id="wf-title", body=(
                               _actions(), _meta(), rx.heading("Diagram", size="4"),
                               diagram_image(S.diagram, alt="Diagram of " + S.title.to(str)),
                               _tables(), _versions()))

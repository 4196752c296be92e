"""Upload / edit a bundle: paste, upload or type; validation as you type; save only when valid."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tfai.domain.limits import MAX_DOCUMENT_BYTES
from tfai.ui.components.code_editor import code_editor
from tfai.ui.components.definitions import section_tabs
from tfai.ui.components.forms import error_summary
from tfai.ui.components.layout import app_page
from tfai.ui.components.problems import problems_list
from tfai.ui.state.definitions_editor import DefinitionsEditorState

S: Any = DefinitionsEditorState
UPLOAD_ID = "bundle-file"
ACCEPT = {"application/json": [".json"], "application/x-yaml": [".yaml", ".yml"], "text/yaml": [".yaml", ".yml"],
          "text/plain": [".json", ".yaml", ".yml"]}


def _status() -> rx.Component:
    return rx.hstack(
        rx.match(
            S.status,
            ("checking", rx.badge(rx.spinner(size="1"), "Checking…", color_scheme="gray")),
            ("valid", rx.badge(rx.icon("circle-check", size=14), "Valid", color_scheme="green")),
            ("invalid", rx.badge(rx.icon("circle-x", size=14), "Invalid", color_scheme="red")),
            rx.badge("Empty", color_scheme="gray"),
        ),
        rx.text(S.error_count, " errors · ", S.warning_count, " warnings", size="2", color_scheme="gray"),
        rx.spacer(),
        rx.button(rx.icon("save", size=16), "Save", on_click=S.save, disabled=~S.can_save, loading=S.saving,
                  id="save-bundle"),
        align="center", width="100%", id="bundle-status",
    )


def _upload() -> rx.Component:
    return rx.upload(
        rx.hstack(rx.icon("file-up", size=18), rx.text("Drop a .json or .yaml bundle here, or click to choose "
                                                        "(at most 1 MiB).", size="2"), align="center"),
        id=UPLOAD_ID, on_drop=S.handle_upload, accept=ACCEPT, max_files=1, max_size=MAX_DOCUMENT_BYTES,
        multiple=False, border="1px dashed var(--gray-a7)", border_radius="var(--radius-2)", padding="0.8em",
        width="100%", cursor="pointer",
    )


def _saved() -> rx.Component:
    return rx.cond(S.saved_note != "", rx.callout.root(
        rx.callout.icon(rx.icon("circle-check")),
        rx.vstack(rx.text(S.saved_note, id="saved-note"),
                  rx.hstack(rx.foreach(S.saved_links, lambda link: rx.link(link["label"].to(str),
                                                                           href=link["href"].to(str))),
                            spacing="3", wrap="wrap"), spacing="1"),
        color_scheme="green", width="100%"))


@rx.page(route="/definitions/upload", title="Upload definitions · tfai", on_load=S.load)
def definitions_upload() -> rx.Component:
    return upload_page(section_tabs("/definitions/upload"))


def upload_page(top: rx.Component) -> rx.Component:
    """The editor page; `top` is the section tabs here and the breadcrumbs on the proposal edit page."""
    return app_page(
        top,
        rx.text("A bundle (format tfai.bundle/v1) holds a workflow and the ticket types that start it. Saving a "
                "changed definition creates a new version; running tickets keep the version they started with.",
                size="2", color_scheme="gray"),
        error_summary(S.error),
        _saved(),
        _upload(),
        _status(),
        rx.grid(
            code_editor(S.seed, on_change=S.set_text.debounce(500), yaml=S.is_yaml, key=S.editor_key,
                        goto_line=S.goto_line, id="bundle-editor"),
            rx.box(rx.cond(S.problems.length() > 0, problems_list(S.problems),
                           rx.text(rx.cond(S.status == "valid", "No problems found.", "Problems appear here."),
                                   size="2", color_scheme="gray")),
                   max_height="520px", overflow_y="auto", width="100%"),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
        ),
        title="Upload or edit a bundle",
    )

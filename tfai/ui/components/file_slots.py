"""File fields of the submit form: a drop zone per `file` field, all chosen files sent with the form in one upload.

Reflex uploads one zone's files per request and its zones need ids known when the page compiles, so the form's
`file` fields take numbered slots (a field dict's `slot`, "0" to MAX_FILES - 1, set by the page's state), and the
submit sends the files of every slot at once, each renamed `<slot>/<name>` so the handler knows its field.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from reflex_components_core.core.upload import get_upload_files_context_var_data

from tfai.domain.limits import MAX_FILES

SLOT_PREFIX = "ticket-file-"
SLOTS = tuple(f"{SLOT_PREFIX}{i}" for i in range(MAX_FILES))


def _zone(upload_id: str, max_size: Any) -> rx.Component:
    chosen = rx.selected_files(upload_id)
    return rx.vstack(
        rx.upload.root(
            rx.hstack(rx.icon("paperclip", size=16),
                      rx.cond(chosen.length() > 0, rx.text(chosen.join(", "), size="2", weight="medium"),
                              rx.text("Choose a file or drop it here", size="2")),
                      align="center", spacing="2"),
            id=upload_id, multiple=False, max_files=1, max_size=max_size, padding="0.6em", width="100%",
            border="1px dashed var(--gray-a7)", border_radius="var(--radius-3)", cursor="pointer",
            class_name="file-slot"),
        rx.cond(chosen.length() > 0, rx.button("Remove the file", type="button", size="1", variant="ghost",
                                               color_scheme="gray", on_click=rx.clear_selected_files(upload_id))),
        spacing="1", width="100%", align="start")


def slot_widget(max_size: Any) -> Callable[[Any], rx.Component]:
    """The `file` widget for schema_form: the drop zone of the field's slot (a field without one says why)."""
    zones = [(str(i), _zone(uid, max_size)) for i, uid in enumerate(SLOTS)]

    def widget(f: Any) -> rx.Component:
        return rx.match(f["slot"].to(str), *zones,
                        rx.text(f"A form takes files for at most {MAX_FILES} fields.", size="2", color_scheme="gray"))

    return widget


def _all_chosen() -> Var:
    """Every slot's chosen file, renamed `<slot>/<name>` (the upload keeps a relative path; its name is the file's)."""
    js = (f"{json.dumps(list(SLOTS))}.flatMap((id, i) => (filesById[id] ?? [])"
          ".map((f) => new File([f], `${i}/${f.name}`, {type: f.type})))")
    return Var(_js_expr=js, _var_type=list, _var_data=get_upload_files_context_var_data())


def with_all_slots(spec: EventSpec) -> EventSpec:
    """An upload event (rx.upload_files on any slot) that sends the files of every slot instead."""
    return spec.with_args(tuple((name, _all_chosen()) if name._js_expr == "files" else (name, value)
                                for name, value in spec.args))


def clear_all() -> list[EventSpec]:
    """Forget every slot's chosen file (the choices live in the browser, across pages)."""
    return [rx.clear_selected_files(uid) for uid in SLOTS]


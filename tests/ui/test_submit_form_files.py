"""Submit ticket takes files in its `file` fields: a drop zone per field (numbered slots), sent with the form."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tfai.domain.limits import MAX_FILES
from tfai.ui.components.file_slots import SLOTS
from tfai.ui.pages.ticket_new import _form_with_files
from tfai.ui.state.form_values import ui_fields
from tfai.ui.state.ticket_new import slot_of, with_file_slots

SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "title": {"type": "string"}, "receipt": {"type": "string", "contentMediaType": "application/pdf"},
    "photo": {"type": "string", "contentMediaType": "image/jpeg"}}}


def test_each_file_field_gets_its_own_slot() -> None:
    fields, names = with_file_slots(ui_fields(SCHEMA, None))
    assert names == ["receipt", "photo"]
    assert {f["name"]: f["slot"] for f in fields} == {"title": "", "receipt": "0", "photo": "1"}


def test_file_fields_past_the_last_slot_get_none() -> None:
    many = {"type": "object", "properties": {f"f{i}": {"type": "string", "contentEncoding": "base64"}
                                             for i in range(MAX_FILES + 2)}}
    fields, names = with_file_slots(ui_fields(many, None))
    assert len(names) == MAX_FILES == len(SLOTS)
    assert [f["slot"] for f in fields][-2:] == ["", ""]


def test_a_received_file_names_its_slot_by_its_path() -> None:
    def upload(path: str | None) -> Any:
        return SimpleNamespace(path=Path(path) if path is not None else None)

    assert slot_of(upload("1/receipt.pdf")) == 1
    for odd in ("receipt.pdf", "x/receipt.pdf", "1/a/b.pdf", "99999/a.pdf", None):
        assert slot_of(upload(odd)) is None, odd


def test_the_form_sends_every_slot_with_its_values_in_one_upload() -> None:
    hooks = "\n".join(_form_with_files()._get_all_hooks())
    assert '"uploadFiles"' in hooks and "submit_files" in hooks and '["form_data"] : form_data' in hooks
    assert all(f'"{uid}"' in hooks for uid in SLOTS)  # one zone per slot, and the submit reads them all
    assert "`${i}/${f.name}`" in hooks

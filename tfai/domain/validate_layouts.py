"""Layout checks: layouts name only fields their schema declares, with widgets that fit the field types."""

from __future__ import annotations

from typing import Any

from tfai.domain.layout import WIDGETS, widget_fits
from tfai.domain.problems import Report, did_you_mean, join_pointer, pointer
from tfai.domain.validate_exprs import workflow_schema
from tfai.domain.validate_graph import items


def _props(*schemas: Any) -> dict[str, Any] | None:
    merged: dict[str, Any] = {}
    for schema in schemas:
        if schema is None:
            continue
        props = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(props, dict):
            return None
        for k, v in props.items():
            merged.setdefault(k, v)
    return merged


def check_layouts(bundle: dict[str, Any], report: Report) -> None:
    """Every edit_layout and display_layout against the schema it presents."""
    workflow = bundle.get("workflow")
    if isinstance(workflow, dict):
        if workflow.get("display_layout") is not None:
            check_layout(
                workflow["display_layout"],
                _props(workflow_schema(workflow)),
                pointer("workflow", "display_layout"),
                report,
            )
        for i, task in items(workflow.get("tasks")):
            out, inp = task.get("output_schema"), task.get("input_schema")
            where = pointer("workflow", "tasks", i)
            if task.get("edit_layout") is not None:
                check_layout(task["edit_layout"], _props(out), where + "/edit_layout", report)
            if task.get("display_layout") is not None:
                check_layout(task["display_layout"], _props(inp, out), where + "/display_layout", report)
    for i, tt in items(bundle.get("ticket_types")):
        for attr in ("edit_layout", "display_layout"):
            if tt.get(attr) is not None:
                check_layout(tt[attr], _props(tt.get("fields")), pointer("ticket_types", i, attr), report)


def check_layout(layout: Any, props: dict[str, Any] | None, where: str, report: Report) -> None:
    """Check one layout; `props` are the fields it may name (None: unknown, names are not checked)."""
    if not isinstance(layout, dict) or props is None:
        return
    listed: set[str] = set()
    for s, section in items(layout.get("sections")):
        fields = section.get("fields")
        if not isinstance(fields, list):
            continue
        for f, name in enumerate(fields):
            if not isinstance(name, str):
                continue
            at = join_pointer(where, "sections", s, "fields", f)
            if name not in props:
                report.error(at, "layout.unknown_field", f"No field {name!r}{did_you_mean(name, props)}")
            elif name in listed:
                report.error(at, "layout.duplicate_field", f"Field {name!r} is already placed in the layout")
            listed.add(name)
    for attr in ("widgets", "labels", "help", "placeholders"):
        mapping = layout.get(attr)
        if not isinstance(mapping, dict):
            continue
        for name, value in mapping.items():
            at = join_pointer(where, attr, name)
            if name not in props:
                report.error(at, "layout.unknown_field", f"No field {name!r}{did_you_mean(name, props)}")
            elif attr == "widgets" and value in WIDGETS and not widget_fits(value, props[name]):
                report.error(at, "layout.widget_mismatch", f"Widget {value!r} does not fit field {name!r}")

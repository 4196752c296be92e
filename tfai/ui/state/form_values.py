"""Pure helpers for forms: UI field dicts from a schema, value coercion by schema type, error mapping."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from tfai.domain.errors import TfaiError
from tfai.domain.layout import FormField, Layout, enum_options, form_fields, schema_types

REQUIRED = "This field is required"
GENERIC_ERROR = "Something went wrong. Please try again."
NO_INPUT_WIDGETS = frozenset({"readonly", "file"})


def _opt(value: Any) -> str:
    """An option as the browser sees it (booleans as JSON words)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_opt(v) for v in value)
    return _opt(value)


def ui_field(field: FormField, value: Any = None, error: str = "") -> dict[str, Any]:
    """One plain dict the schema form renders (all strings/bools/lists of strings)."""
    selected = [_opt(v) for v in value] if isinstance(value, list) else []
    return {
        "name": field.name,
        "label": field.label,
        "widget": field.widget,
        "required": field.required,
        "options": [_opt(o) for o in field.options],
        "help": field.help or "",
        "placeholder": field.placeholder or "",
        "section": field.section or "",
        "value": _display(value),
        "selected": selected,
        "checked": value is True,
        "error": error,
    }


def ui_fields(schema: dict[str, Any], layout: Layout | dict[str, Any] | None,
              values: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The field dicts for a schema and layout, prefilled from values (typed JSON values)."""
    vals = values or {}
    props = schema.get("properties") if isinstance(schema, dict) else None
    properties: dict[str, Any] = props if isinstance(props, dict) else {}
    out = []
    for f in form_fields(schema, layout):
        item = ui_field(f, vals.get(f.name))
        if f.widget == "number" and schema_types(properties.get(f.name)) == {"integer"}:
            item["widget"] = "integer"
        out.append(item)
    return out


def _number(raw: str, integer: bool) -> int | float:
    text = raw.strip()
    if integer:
        number = float(text)
        if not number.is_integer():
            raise ValueError(text)
        return int(number)
    if text.lstrip("+-").isdigit():
        return int(text)
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _scalar(raw: str, prop: dict[str, Any]) -> Any:
    """A submitted string as the schema's type (enum options map back to their exact values)."""
    for option in enum_options(prop):
        if _opt(option) == raw:
            return option
    types = schema_types(prop)
    if types == {"boolean"}:
        return raw.strip().lower() in ("true", "on", "1", "yes")
    if types and types <= {"number", "integer"}:
        return _number(raw, integer="number" not in types)
    return raw


def _message_for(types: set[str]) -> str:
    return "Enter a whole number" if types == {"integer"} else "Enter a number"


def coerce_values(
    schema: dict[str, Any],
    fields: list[dict[str, Any]],
    get: Callable[[str], str | None],
    getlist: Callable[[str], list[str]],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed data from submitted strings, plus {field: message} for values that cannot be read.

    Empty optional values are left out; an empty required one is reported. Checkboxes are booleans
    (absent means False), multiselects arrays, numbers int/float by the schema's type.
    """
    props = schema.get("properties") if isinstance(schema, dict) else None
    properties: dict[str, Any] = props if isinstance(props, dict) else {}
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        name, widget = str(field["name"]), str(field["widget"])
        raw_prop = properties.get(name)
        prop: dict[str, Any] = raw_prop if isinstance(raw_prop, dict) else {}
        if widget in NO_INPUT_WIDGETS:
            continue
        types = schema_types(prop)
        if widget == "checkbox":
            data[name] = (get(name) or "").strip().lower() in ("on", "true", "1", "yes")
            continue
        if widget == "multiselect" or "array" in types:
            raw_items = prop.get("items")
            items: dict[str, Any] = raw_items if isinstance(raw_items, dict) else {}
            try:
                data[name] = [_scalar(v, items) for v in getlist(name) if v != ""]
            except ValueError:
                errors[name] = _message_for(schema_types(items))
            if field.get("required") and not data.get(name):
                errors.setdefault(name, "Choose at least one")
            continue
        raw = get(name)
        if raw is None or raw.strip() == "":
            if field.get("required"):
                errors[name] = REQUIRED
            continue
        try:
            data[name] = _scalar(raw, prop)
        except ValueError:
            errors[name] = _message_for(types)
    return data, errors


def _field_of(problem: Mapping[str, Any]) -> str:
    """The field a problem concerns: its 'field', or the first segment of its path ('/a/0' → 'a')."""
    raw = problem.get("field")
    if raw is None:
        raw = problem.get("path", "")
    if isinstance(raw, list):
        raw = raw[0] if raw else ""
    text = str(raw or "").strip().replace("$.", "").replace(".", "/").strip("/")
    parts = [p for p in text.split("/") if p]
    if len(parts) > 1 and parts[0] == "data":
        parts = parts[1:]
    return parts[0] if parts else ""


def field_errors(exc: TfaiError) -> dict[str, str]:
    """{field: message} from an InvalidInput's details (first message per field wins)."""
    result: dict[str, str] = {}
    details = exc.details if isinstance(exc.details, list) else []
    for problem in details:
        if isinstance(problem, Mapping):
            name = _field_of(problem)
            message = str(problem.get("message") or "Not valid")
            if name:
                result.setdefault(name, message)
    return result


def error_message(exc: BaseException) -> str:
    """What the user reads for a failure: the domain message, never a stack trace."""
    if isinstance(exc, TfaiError):
        return exc.message
    return GENERIC_ERROR


def with_errors(fields: list[dict[str, Any]], errors: Mapping[str, str]) -> list[dict[str, Any]]:
    """Copies of the field dicts with each one's error set (or cleared)."""
    return [{**f, "error": errors.get(str(f["name"]), "")} for f in fields]


def with_values(fields: list[dict[str, Any]], data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Copies of the field dicts showing the typed values (e.g. after a failed submit)."""
    out = []
    for f in fields:
        name = str(f["name"])
        if name not in data or f["widget"] in NO_INPUT_WIDGETS:
            out.append(dict(f))
            continue
        value = data[name]
        out.append({**f, "value": _display(value), "checked": value is True,
                    "selected": [_opt(v) for v in value] if isinstance(value, list) else []})
    return out


def unmatched_errors(errors: Mapping[str, str], fields: list[dict[str, Any]]) -> list[str]:
    """Errors that concern no shown field, as 'field: message' lines for the summary."""
    names = {str(f["name"]) for f in fields}
    return [f"{k}: {v}" if k else v for k, v in errors.items() if k not in names]


NO_ATTACHMENTS = "This ticket has no attachments yet: add one on the ticket page, then open this task again."


def attachment_label(file_id: int, filename: str) -> str:
    """How an attachment appears in a `file` field's choices (the id keeps equal names apart)."""
    return f"{filename} (#{file_id})"


def with_attachment_choices(fields: list[dict[str, Any]], labels: list[str]) -> list[dict[str, Any]]:
    """`file` fields become a choice among the ticket's attachments; without any, they say how to add one."""
    out = []
    for f in fields:
        if f["widget"] == "file":
            f = {**f, "widget": "select", "options": labels} if labels else {**f, "help": NO_ATTACHMENTS}
        out.append(f)
    return out


def with_attachment_ids(values: dict[str, Any], file_fields: list[str], choices: Mapping[str, str]) -> dict[str, Any]:
    """The submitted values with each chosen attachment label replaced by its id (unknown labels stay as sent)."""
    out = dict(values)
    for name in file_fields:
        if isinstance(out.get(name), str):
            out[name] = choices.get(out[name], out[name])
    return out

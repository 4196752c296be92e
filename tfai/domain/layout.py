"""Declarative form layouts (sections, widgets, help) and the form fields the UI renders."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tfai.domain.limits import MAX_DESCRIPTION, MAX_LAYOUT_FIELDS, MAX_LAYOUT_SECTIONS, MAX_TITLE

Widget = Literal["text", "textarea", "number", "checkbox", "select", "multiselect", "date", "email", "file", "readonly"]
WIDGETS: tuple[str, ...] = (
    "text", "textarea", "number", "checkbox", "select", "multiselect", "date", "email", "file", "readonly",
)  # fmt: skip
FieldName = str


class Section(BaseModel):
    """A titled group of fields, shown in the listed order."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: str = Field(max_length=MAX_TITLE)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    fields: list[FieldName] = Field(default_factory=list, max_length=MAX_LAYOUT_FIELDS)


class Layout(BaseModel):
    """How to present one JSON Schema object: sections, a widget per field, labels, help and placeholders."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sections: list[Section] = Field(default_factory=list, max_length=MAX_LAYOUT_SECTIONS)
    widgets: dict[FieldName, Widget] = Field(default_factory=dict)
    labels: dict[FieldName, str] = Field(default_factory=dict)
    help: dict[FieldName, str] = Field(default_factory=dict)
    placeholders: dict[FieldName, str] = Field(default_factory=dict)


class FormField(BaseModel):
    """One field as the UI renders it."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    widget: Widget
    required: bool = False
    options: list[Any] = Field(default_factory=list)
    help: str | None = None
    placeholder: str | None = None
    section: str | None = None


def schema_types(prop: Any) -> set[str]:
    """The JSON types a property schema allows ('integer' implies 'number'), empty if unconstrained."""
    if not isinstance(prop, dict):
        return set()
    raw = prop.get("type")
    types = (
        {raw} if isinstance(raw, str) else {t for t in raw if isinstance(t, str)} if isinstance(raw, list) else set()
    )
    if not types and isinstance(prop.get("enum"), list):
        types = {_json_type(v) for v in prop["enum"]}
    if "const" in prop and not types:
        types = {_json_type(prop["const"])}
    types.discard("null")
    return types


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def enum_options(prop: Any) -> list[Any]:
    """Allowed values of a property (its enum, or its items' enum for arrays)."""
    if not isinstance(prop, dict):
        return []
    if isinstance(prop.get("enum"), list):
        return [v for v in prop["enum"] if v is not None]
    items = prop.get("items")
    if isinstance(items, dict) and isinstance(items.get("enum"), list):
        return list(items["enum"])
    return []


def default_widget(prop: Any) -> Widget:
    """The widget a property gets when the layout does not choose one."""
    types = schema_types(prop)
    p = prop if isinstance(prop, dict) else {}
    if "array" in types:
        return "multiselect" if enum_options(p) else "readonly"
    if enum_options(p):
        return "select"
    if types == {"boolean"}:
        return "checkbox"
    if types and types <= {"number", "integer"}:
        return "number"
    if types == {"string"}:
        fmt = p.get("format")
        if fmt == "date":
            return "date"
        if fmt == "email":
            return "email"
        if "contentMediaType" in p or "contentEncoding" in p:
            return "file"
        max_len = p.get("maxLength")
        return "textarea" if isinstance(max_len, int) and max_len > 200 else "text"
    return "readonly"


def widget_fits(widget: str, prop: Any) -> bool:
    """True when `widget` can edit a value of the property's schema."""
    types = schema_types(prop)
    if widget == "readonly" or not types:
        return True
    if widget in ("text", "textarea", "email", "date", "file"):
        return "string" in types
    if widget == "number":
        return bool(types & {"number", "integer"})
    if widget == "checkbox":
        return "boolean" in types
    if widget == "select":
        return bool(enum_options(prop)) or bool(types & {"string", "number", "integer", "boolean"})
    if widget == "multiselect":
        return "array" in types
    return False


def parse_layout(layout: Layout | dict[str, Any] | None) -> Layout | None:
    """A Layout model from a model, a dict, or None; an invalid dict yields None (the default layout)."""
    if layout is None or isinstance(layout, Layout):
        return layout
    try:
        return Layout.model_validate(layout)
    except ValidationError:
        return None


def _humanize(name: str) -> str:
    text = name.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else name


def form_fields(schema: dict[str, Any], layout: Layout | dict[str, Any] | None) -> list[FormField]:
    """The fields of an object schema in display order, with widgets, labels and sections.

    Without a layout every property appears in schema order with a default widget. With one, the
    sections give the order; properties no section lists follow in schema order without a section.
    """
    props = schema.get("properties") if isinstance(schema, dict) else None
    properties: dict[str, Any] = props if isinstance(props, dict) else {}
    req = schema.get("required") if isinstance(schema, dict) else None
    required = set(req) if isinstance(req, list) else set()
    lay = parse_layout(layout) or Layout()
    order: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for section in lay.sections:
        for name in section.fields:
            if name in properties and name not in seen:
                order.append((name, section.title))
                seen.add(name)
    order.extend((name, None) for name in properties if name not in seen)
    result: list[FormField] = []
    for name, section_title in order:
        prop = properties[name] if isinstance(properties[name], dict) else {}
        widget = lay.widgets.get(name) or default_widget(prop)
        title = prop.get("title")
        desc = prop.get("description")
        result.append(
            FormField(
                name=name,
                label=lay.labels.get(name) or (title if isinstance(title, str) else _humanize(name)),
                widget=widget,
                required=name in required,
                options=enum_options(prop),
                help=lay.help.get(name) or (desc if isinstance(desc, str) else None),
                placeholder=lay.placeholders.get(name),
                section=section_title,
            )
        )
    return result

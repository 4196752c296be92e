"""The definition bundle (format tfai.bundle/v1): pydantic models, published schemas and text loading."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tfai.domain.errors import InvalidInput
from tfai.domain.layout import Layout
from tfai.domain.limits import (
    MAX_BUNDLE_DESCRIPTION,
    MAX_DOCUMENT_BYTES,
    MAX_DURATION,
    MAX_EXPRESSION_BYTES,
    MAX_FOR_EACH_ITEMS,
    MAX_KEY,
    MAX_REMINDERS,
    MAX_TASKS,
    MAX_TITLE,
    MAX_URL,
    MAX_VERSION,
)

FORMAT = "tfai.bundle/v1"
WorkflowKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
TaskKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
FieldName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
Description = Annotated[str, Field(max_length=MAX_BUNDLE_DESCRIPTION)]
# Characters here, a cheap first cut; expressions.py then counts the UTF-8 bytes.
Expression = Annotated[str, Field(min_length=1, max_length=MAX_EXPRESSION_BYTES)]
JsonSchema = dict[str, Any]
TaskType = Literal["FORM", "SYNC_ACTION", "ASYNC_ACTION", "JOIN", "TIMER", "CALL"]
# An ISO 8601 duration ("PT48H", "P3D"): a cheap first cut here, tfai.domain.durations parses it at validation.
Duration = Annotated[str, Field(min_length=2, max_length=MAX_DURATION, pattern=r"^P[0-9WDTHMS.,]+$")]
FieldType = Literal["string", "number", "integer", "boolean", "object", "array"]
EditableBy = Literal["requester", "admins", "nobody"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class ExtRef(_Model):
    """A link to outside documentation shown with a workflow, a task or a ticket type."""

    label: Title
    desc: Description | None = None
    # Only web and mail links: the pages render it as a link, so javascript:, data: and the like never get there.
    uri: Annotated[str, Field(min_length=1, max_length=MAX_URL, pattern=r"^(https?://[^\s/?#]+\S*|mailto:\S+)$")]


class WorkflowField(_Model):
    """A named value the workflow carries besides ticket data and task outputs (`workflow.<name>`)."""

    name: FieldName
    type: FieldType
    description: Description | None = None
    default: Any = Field(default=None, description="The value the field starts with on every ticket; without one "
                         "the field is absent until a task's `set` writes it.")


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "number": (int, float), "integer": (int,), "boolean": (bool,), "object": (dict,),
    "array": (list,),
}


def matches_type(field_type: str, value: Any) -> bool:
    """Whether `value` (JSON data) is of a workflow field's declared type; a bool is no number, 2.0 is an integer."""
    if isinstance(value, bool):
        return field_type == "boolean"
    if field_type == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _FIELD_TYPES.get(field_type, ()))


class Join(_Model):
    """How a JOIN task waits for the branches arriving at it."""

    wait_for: Literal["all"] | Annotated[int, Field(ge=1, le=MAX_TASKS)] = Field(
        default="all", description='"all": every live branch arriving at the JOIN; a number n: the first n to arrive.')
    cancel_rest: bool = Field(
        default=False, description="Whether the branches still running when the JOIN completes are cancelled.")


class Timeout(_Model):
    """An interrupting deadline: when `after` passes, the task is cancelled and the workflow continues at `to`."""

    after: Duration = Field(description="ISO 8601 duration from the task's start, e.g. PT48H.")
    to: TaskKey = Field(description="The task the workflow continues at when the deadline passes.")


class Remind(_Model):
    """A non-interrupting reminder to the task's assignee every `every`, at most `times` times."""

    every: Duration = Field(description="ISO 8601 duration between reminders, e.g. P1D.")
    times: Annotated[int, Field(ge=1, le=MAX_REMINDERS)] = Field(description="How many reminders at most.")


def _only_on(types: list[str], names: list[str], what: str) -> dict[str, Any]:
    return {"if": {"properties": {"type": {"enum": types}}},
            "else": {"description": f"{what}: only on {' and '.join(types)} tasks.",
                     "properties": {n: {"type": "null"} for n in names}}}


# Which task types may carry which of the newer properties: (types, properties) - the schema's allOf and the
# model's check below are both made from this one table.
_ONLY_ON: tuple[tuple[list[str], list[str]], ...] = (
    (["JOIN"], ["join"]),
    (["TIMER"], ["wait", "until"]),
    (["CALL"], ["workflow", "version", "input"]),
    (["FORM", "ASYNC_ACTION"], ["timeout", "remind"]),
    (["FORM"], ["due", "for_each", "complete_when"]),
)
_TASK_RULES: Any = [
    {"if": {"properties": {"type": {"const": "JOIN"}}},
     "then": {"description": "A JOIN task needs join.", "properties": {"join": {"type": "object"}},
              "required": ["join"]}},
    {"if": {"properties": {"type": {"const": "CALL"}}},
     "then": {"description": "A CALL task needs workflow.", "properties": {"workflow": {"type": "string"}},
              "required": ["workflow"]}},
    {"if": {"properties": {"type": {"const": "TIMER"}}},
     "then": {"description": "A TIMER task needs exactly one of wait and until.",
              "oneOf": [{"properties": {"wait": {"type": "string"}}, "required": ["wait"]},
                        {"properties": {"until": {"type": "string"}}, "required": ["until"]}]}},
    *[_only_on(types, names, ", ".join(names)) for types, names in _ONLY_ON],
]


class Task(_Model):
    """One step: a FORM a person fills in, or an action calling an HTTPS endpoint."""

    model_config = ConfigDict(json_schema_extra={"allOf": _TASK_RULES})

    key: TaskKey
    title: Title
    description: Description | None = None
    type: TaskType
    input_transform: Expression | None = None
    output_transform: Expression | None = None
    input_schema: JsonSchema | None = None
    output_schema: JsonSchema | None = None
    action_url: Annotated[str, Field(max_length=MAX_URL)] | None = None
    timeout_seconds: int | None = None
    edit_layout: Layout | None = None
    display_layout: Layout | None = None
    set: dict[FieldName, Expression] | None = Field(
        default=None, description="Workflow fields this task writes when it completes: field name -> CEL over "
        "ticket, tasks (this task's output included), workflow and output; evaluated before the transitions.")
    ext_ref: list[ExtRef] = Field(default_factory=list)
    visible_to_requester: bool | None = Field(
        default=None, description="Whether a requester (who is not an admin, ticket admin or assignee) sees this "
        "task's input, output and error on the ticket; default: true for FORM, false for actions.")
    next: Literal["first", "all"] = Field(
        default="first", description='Which outgoing transitions fire when the task completes: "first", the first '
        'true one by priority (one path); "all", every true one (or without condition), each starting a parallel '
        "branch.")
    join: Join | None = Field(
        default=None, description='JOIN tasks only (required there): wait for the branches arriving here; output '
        '{"arrived": [task keys]}.')
    wait: Duration | None = Field(
        default=None, description="TIMER tasks only: complete this long after the task starts (ISO 8601 duration, "
        "e.g. P3D); a TIMER has exactly one of wait and until.")
    until: Expression | None = Field(
        default=None, description='TIMER tasks only: a CEL timestamp to complete at, e.g. '
        'timestamp(ticket.start_date); output {"fired_at": timestamp}.')
    timeout: Timeout | None = Field(
        default=None, description="FORM and ASYNC_ACTION tasks only: if the task is not done `after` its start, "
        "cancel it and continue at `to` (escalation).")
    remind: Remind | None = Field(
        default=None, description="FORM and ASYNC_ACTION tasks only: remind the assignee every `every`, at most "
        "`times` times, while the task is open.")
    due: Duration | None = Field(
        default=None, description="FORM tasks only: the task instance's due_at is its start plus this ISO 8601 "
        "duration; lists sort and filter by it and show overdue work.")
    for_each: Expression | None = Field(
        default=None, description="FORM tasks only: a CEL list; one task instance per item, each with `item` and "
        "`index` in its input scope and assigned on its own; tasks.<key> is the list of their outputs.")
    complete_when: Literal["all"] | Annotated[int, Field(ge=1, le=MAX_FOR_EACH_ITEMS)] | None = Field(
        default=None, description='FORM tasks with for_each only: "all" (the default) or n, the number of instances '
        "that must complete; the rest are then cancelled.")
    workflow: WorkflowKey | None = Field(
        default=None, description="CALL tasks only (required there): the key of the workflow of the same company to "
        "start as a child.")
    version: Literal["latest"] | Annotated[int, Field(ge=1, le=MAX_VERSION)] | None = Field(
        default=None, description='CALL tasks only: "latest" (the default) or a version number of the called '
        "workflow.")
    input: Expression | None = Field(
        default=None, description="CALL tasks only: a CEL map, the child's ticket data; the CALL's output is the "
        "child's workflow data when it completes.")

    @model_validator(mode="after")
    def _type_rules(self) -> Task:
        """The schema's allOf (_TASK_RULES), so the model and the published schema agree."""
        if self.type == "JOIN" and self.join is None:
            raise ValueError("A JOIN task needs join")
        if self.type == "CALL" and self.workflow is None:
            raise ValueError("A CALL task needs workflow")
        if self.type == "TIMER" and (self.wait is None) == (self.until is None):
            raise ValueError("A TIMER task needs exactly one of wait and until")
        for types, names in _ONLY_ON:
            if self.type not in types and any(getattr(self, n) is not None for n in names):
                raise ValueError(f"{', '.join(names)}: only on {' and '.join(types)} tasks")
        return self


def visible_to_requester(task: Any) -> bool:
    """A task's `visible_to_requester`, or its default: FORM tasks are shown, actions (raw remote data) are not."""
    value = task.get("visible_to_requester") if isinstance(task, dict) else None
    return value if isinstance(value, bool) else isinstance(task, dict) and task.get("type") == "FORM"


class Transition(_Model):
    """An edge from a task to the next task (or to the end when `to` is null)."""

    from_: TaskKey = Field(alias="from")
    to: TaskKey | None
    condition: Expression | None = None
    priority: Annotated[int, Field(ge=-1000, le=1000)] = 0


class Workflow(_Model):
    """Tasks, the transitions between them, and where it starts."""

    key: WorkflowKey
    title: Title
    description: Description | None = None
    ext_ref: list[ExtRef] = Field(default_factory=list)
    fields: list[WorkflowField] = Field(default_factory=list)
    start: TaskKey
    display_layout: Layout | None = None
    tasks: list[Task] = Field(min_length=1)
    transitions: list[Transition] = Field(default_factory=list)

    def task(self, key: str) -> Task | None:
        """The task with this key, or None."""
        return next((t for t in self.tasks if t.key == key), None)


class TicketType(_Model):
    """A kind of ticket users open; it starts `workflow` with data matching `fields`."""

    key: WorkflowKey
    title: Title
    description: Description | None = None
    workflow: WorkflowKey
    fields: JsonSchema
    company_role_access: list[Annotated[str, Field(min_length=1, max_length=MAX_KEY)]] = Field(default_factory=list)
    edit_layout: Layout | None = None
    display_layout: Layout | None = None
    ext_ref: list[ExtRef] = Field(default_factory=list)
    editable_by: EditableBy = Field(
        default="requester", description="Who may change a submitted ticket's fields: the requester until a task "
        "of it completes (and ticket admins and admins while it is active), only ticket admins and admins, or nobody.")


class Bundle(_Model):
    """One document holding a workflow and the ticket types that start it."""

    format: Literal["tfai.bundle/v1"]
    workflow: Workflow | None = None
    ticket_types: list[TicketType] = Field(default_factory=list)


def generated_schema(model: type[BaseModel], schema_id: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) pydantic derives from a model, as shipped in tfai/schemas."""
    schema = model.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, **schema}


@lru_cache(maxsize=4)
def published_schema(name: str) -> dict[str, Any]:
    """A schema shipped as package data: 'bundle' or 'layout'."""
    text = resources.files("tfai.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without aliases (no billion laughs) and without timestamp conversion (JSON types only)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "YAML aliases are not allowed", event.start_mark)
        return super().compose_node(parent, index)


_StrictLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _check_keys(node: Any) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if not isinstance(k, str):
                    raise InvalidInput(f"Object keys must be strings, found {k!r}")
                stack.append(v)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bytes | set):
            raise InvalidInput(f"Unsupported value of type {type(item).__name__}")


def load_bundle_text(text: str) -> dict[str, Any]:
    """Parse a bundle written as JSON or YAML into a dict; raise InvalidInput with a position on failure."""
    if len(text.encode("utf-8", errors="replace")) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"The document is larger than {MAX_DOCUMENT_BYTES} bytes")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nesting too deep"
            pos = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise InvalidInput(f"Not valid JSON{pos}: {msg}") from exc
    else:
        try:
            data = yaml.load(stripped, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
        except (yaml.YAMLError, RecursionError, ValueError) as exc:
            mark = getattr(exc, "problem_mark", None)
            pos = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise InvalidInput(f"Not valid YAML{pos}: {problem}") from exc
    if not isinstance(data, dict):
        raise InvalidInput("The document must be a JSON/YAML object (a mapping at the top level)")
    _check_keys(data)
    return data

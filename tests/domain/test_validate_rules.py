"""Every validator rule has a failing example pointing at the exact path with the exact code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures.bundles import laptop
from tfai.domain.validate import ExistingDefinitions, validate

Doc = dict[str, Any]


def wf(b: Doc) -> Doc:
    return b["workflow"]


def task(b: Doc, i: int) -> Doc:
    return b["workflow"]["tasks"][i]


def tt(b: Doc) -> Doc:
    return b["ticket_types"][0]


def setitem(get: Callable[[Doc], Any], key: str | int, value: Any) -> Callable[[Doc], None]:
    def mutate(b: Doc) -> None:
        get(b)[key] = value

    return mutate


def delitem(get: Callable[[Doc], Any], key: str) -> Callable[[Doc], None]:
    def mutate(b: Doc) -> None:
        del get(b)[key]

    return mutate


def nest(depth: int) -> Doc:
    schema: Doc = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"x": schema}}
    return schema


def add_tasks(n: int) -> Callable[[Doc], None]:
    def mutate(b: Doc) -> None:
        for i in range(n):
            wf(b)["tasks"].append(
                {"key": f"extra{i}", "title": "t", "type": "FORM",
                 "output_schema": {"type": "object", "properties": {"a": {"type": "string"}}}}
            )  # fmt: skip

    return mutate


def cycle(b: Doc) -> None:
    wf(b)["transitions"] = [
        {"from": "approve", "to": "order"},
        {"from": "order", "to": "delivery"},
        {"from": "delivery", "to": "order"},
        {"from": "rejected", "to": "approve"},
    ]


def unreachable(b: Doc) -> None:
    wf(b)["transitions"] = [{"from": "approve", "to": "order"}, {"from": "order", "to": "delivery"}]


def all_conditional(b: Doc) -> None:
    wf(b)["transitions"][1]["condition"] = "!output.approved"


def shadowed(b: Doc) -> None:
    wf(b)["transitions"][0]["priority"] = -5


# (name, mutation, severity, path, code)
CASES: list[tuple[str, Callable[[Doc], object], str, str, str]] = [  # a mutation (its value is ignored), ...
    # structure against the bundle schema
    ("format", setitem(lambda b: b, "format", "tfai.bundle/v2"), "error", "/format", "schema.const"),
    ("missing start", delitem(wf, "start"), "error", "/workflow", "schema.required"),
    (
        "unknown property",
        setitem(lambda b: task(b, 0), "assignee", "x"),
        "error",
        "/workflow/tasks/0/assignee",
        "schema.unknown_property",
    ),
    (
        "wrong type",
        setitem(lambda b: task(b, 1), "timeout_seconds", "15"),
        "error",
        "/workflow/tasks/1/timeout_seconds",
        "schema.type",
    ),
    (
        "bad task type",
        setitem(lambda b: task(b, 0), "type", "EMAIL"),
        "error",
        "/workflow/tasks/0/type",
        "schema.enum",
    ),
    (
        "bad key",
        setitem(lambda b: task(b, 0), "key", "Approve Me"),
        "error",
        "/workflow/tasks/0/key",
        "schema.pattern",
    ),
    (
        "bad widget",
        setitem(lambda b: task(b, 0)["edit_layout"]["widgets"], "comment", "wysiwyg"),
        "error",
        "/workflow/tasks/0/edit_layout/widgets/comment",
        "schema.enum",
    ),
    ("empty bundle", lambda b: (b.pop("workflow"), b.pop("ticket_types")), "error", "", "bundle.empty"),
    # embedded schemas against the metaschema
    (
        "bad embedded schema",
        setitem(lambda b: tt(b)["fields"]["properties"], "price", {"type": "money"}),
        "error",
        "/ticket_types/0/fields/properties/price/type",
        "jsonschema.enum",
    ),
    (
        "bad regex in schema",
        setitem(lambda b: tt(b)["fields"]["properties"]["model"], "pattern", "(["),
        "error",
        "/ticket_types/0/fields/properties/model/pattern",
        "jsonschema.format",
    ),
    (
        "schema not an object",
        setitem(lambda b: task(b, 1), "output_schema", {"type": "string"}),
        "error",
        "/workflow/tasks/1/output_schema",
        "jsonschema.not_object",
    ),
    (
        "remote ref",
        setitem(lambda b: tt(b)["fields"]["properties"], "x", {"$ref": "https://evil.example.com/s"}),
        "error",
        "/ticket_types/0/fields/properties/x/$ref",
        "schema.remote_ref",
    ),
    # keys and references
    (
        "duplicate task key",
        setitem(lambda b: task(b, 3), "key", "approve"),
        "error",
        "/workflow/tasks/3/key",
        "task.duplicate_key",
    ),
    (
        "duplicate field",
        lambda b: wf(b)["fields"].append({"name": "order_id", "type": "string"}),
        "error",
        "/workflow/fields/1/name",
        "workflow.duplicate_field",
    ),
    (
        "duplicate ticket type",
        lambda b: b["ticket_types"].append(dict(tt(b))),
        "error",
        "/ticket_types/1/key",
        "ticket_type.duplicate_key",
    ),
    ("unknown start", setitem(wf, "start", "aprove"), "error", "/workflow/start", "workflow.unknown_start"),
    (
        "transition from unknown",
        setitem(lambda b: wf(b)["transitions"][2], "from", "ordr"),
        "error",
        "/workflow/transitions/2/from",
        "transition.unknown_task",
    ),
    (
        "transition to unknown",
        setitem(lambda b: wf(b)["transitions"][2], "to", "delivry"),
        "error",
        "/workflow/transitions/2/to",
        "transition.unknown_task",
    ),
    (
        "ticket type workflow not in bundle",
        setitem(tt, "workflow", "other-flow"),
        "warning",
        "/ticket_types/0/workflow",
        "ticket_type.workflow_not_in_bundle",
    ),
    # graph
    ("unreachable", unreachable, "error", "/workflow/tasks/3", "graph.unreachable"),
    ("trap cycle", cycle, "error", "/workflow/tasks/1", "graph.no_end"),
    ("all conditional", all_conditional, "warning", "/workflow/tasks/0", "graph.conditions_incomplete"),
    ("shadowed transition", shadowed, "warning", "/workflow/transitions/0", "transition.shadowed"),
    # CEL
    (
        "syntax",
        setitem(lambda b: wf(b)["transitions"][0], "condition", "output.approved &&"),
        "error",
        "/workflow/transitions/0/condition",
        "expression.syntax",
    ),
    (
        "unknown name",
        setitem(lambda b: wf(b)["transitions"][0], "condition", "outptu.approved"),
        "error",
        "/workflow/transitions/0/condition",
        "expression.unknown_name",
    ),
    (
        "name out of place",
        setitem(lambda b: task(b, 1), "input_transform", "{'x': response.body}"),
        "error",
        "/workflow/tasks/1/input_transform",
        "expression.unknown_name",
    ),
    (
        "unknown field",
        setitem(lambda b: task(b, 0), "input_transform", "{'p': ticket.prise}"),
        "error",
        "/workflow/tasks/0/input_transform",
        "expression.unknown_field",
    ),
    (
        "unknown task output field",
        setitem(lambda b: task(b, 2), "input_transform", "{'o': tasks.order.orderid}"),
        "error",
        "/workflow/tasks/2/input_transform",
        "expression.unknown_field",
    ),
    (
        "unknown response field",
        setitem(lambda b: task(b, 1), "output_transform", "{'o': response.bdy.id}"),
        "error",
        "/workflow/tasks/1/output_transform",
        "expression.unknown_field",
    ),
    (
        "condition not bool",
        setitem(lambda b: wf(b)["transitions"][0], "condition", "'yes'"),
        "error",
        "/workflow/transitions/0/condition",
        "expression.not_bool",
    ),
    (
        "transform not map",
        setitem(lambda b: task(b, 0), "input_transform", "[ticket.model]"),
        "error",
        "/workflow/tasks/0/input_transform",
        "expression.not_map",
    ),
    (
        "unknown function",
        setitem(lambda b: wf(b)["transitions"][0], "condition", "exec('x')"),
        "error",
        "/workflow/transitions/0/condition",
        "expression.unknown_function",
    ),
    (
        "expression too deep",
        setitem(lambda b: wf(b)["transitions"][0], "condition", "(" * 40 + "true" + ")" * 40),
        "error",
        "/workflow/transitions/0/condition",
        "expression.too_deep",
    ),
    # actions
    (
        "http url",
        setitem(lambda b: task(b, 1), "action_url", "http://vendor.example.com/api"),
        "error",
        "/workflow/tasks/1/action_url",
        "action.url_scheme",
    ),
    (
        "loopback ip",
        setitem(lambda b: task(b, 1), "action_url", "https://127.0.0.1/x"),
        "error",
        "/workflow/tasks/1/action_url",
        "action.url_private",
    ),
    (
        "private ip",
        setitem(lambda b: task(b, 1), "action_url", "https://192.168.1.10/x"),
        "error",
        "/workflow/tasks/1/action_url",
        "action.url_private",
    ),
    (
        "link-local ip",
        setitem(lambda b: task(b, 1), "action_url", "https://169.254.169.254/latest"),
        "error",
        "/workflow/tasks/1/action_url",
        "action.url_private",
    ),
    (
        "cgnat ip",
        setitem(lambda b: task(b, 1), "action_url", "https://100.100.1.1/"),
        "error",
        "/workflow/tasks/1/action_url",
        "action.url_private",
    ),
    (
        "ipv6 loopback",
        setitem(lambda b: task(b, 1), "action_url", "https://[::1]/"),
        "error",
        "/workflow/tasks/1/action_url",
        "action.url_private",
    ),
    (
        "decimal ip",
        setitem(lambda b: task(b, 1), "action_url", "https://2130706433/"),
        "error",
        "/workflow/tasks/1/action_url",
        "action.url_private",
    ),
    (
        "no host",
        setitem(lambda b: task(b, 1), "action_url", "https:///orders"),
        "error",
        "/workflow/tasks/1/action_url",
        "action.url_host",
    ),
    (
        "credentials",
        setitem(lambda b: task(b, 1), "action_url", "https://u:p@vendor.example.com/"),
        "error",
        "/workflow/tasks/1/action_url",
        "action.url_credentials",
    ),
    (
        "missing url",
        delitem(lambda b: task(b, 1), "action_url"),
        "error",
        "/workflow/tasks/1",
        "action.url_missing",
    ),
    (
        "sync timeout",
        setitem(lambda b: task(b, 1), "timeout_seconds", 301),
        "error",
        "/workflow/tasks/1/timeout_seconds",
        "action.timeout_range",
    ),
    (
        "async timeout",
        setitem(lambda b: task(b, 2), "timeout_seconds", 31 * 86400),
        "error",
        "/workflow/tasks/2/timeout_seconds",
        "action.timeout_range",
    ),
    (
        "zero timeout",
        setitem(lambda b: task(b, 2), "timeout_seconds", 0),
        "error",
        "/workflow/tasks/2/timeout_seconds",
        "action.timeout_range",
    ),
    (
        "form without output schema",
        delitem(lambda b: task(b, 3), "output_schema"),
        "error",
        "/workflow/tasks/3",
        "form.output_schema_missing",
    ),
    (
        "form with empty output schema",
        setitem(lambda b: task(b, 3), "output_schema", {"type": "object"}),
        "error",
        "/workflow/tasks/3/output_schema",
        "form.no_fields",
    ),
    (
        "form with action url",
        setitem(lambda b: task(b, 3), "action_url", "https://x.example.com"),
        "error",
        "/workflow/tasks/3/action_url",
        "form.unexpected",
    ),
    # layouts
    (
        "layout unknown field",
        setitem(lambda b: task(b, 0)["edit_layout"]["sections"][0]["fields"], 1, "coment"),
        "error",
        "/workflow/tasks/0/edit_layout/sections/0/fields/1",
        "layout.unknown_field",
    ),
    (
        "layout duplicate field",
        lambda b: tt(b)["edit_layout"]["sections"][0]["fields"].append("model"),
        "error",
        "/ticket_types/0/edit_layout/sections/0/fields/3",
        "layout.duplicate_field",
    ),
    (
        "widget for unknown field",
        setitem(lambda b: tt(b)["edit_layout"]["widgets"], "colour", "text"),
        "error",
        "/ticket_types/0/edit_layout/widgets/colour",
        "layout.unknown_field",
    ),
    (
        "widget mismatch",
        setitem(lambda b: tt(b)["edit_layout"]["widgets"], "price", "checkbox"),
        "error",
        "/ticket_types/0/edit_layout/widgets/price",
        "layout.widget_mismatch",
    ),
    (
        "help for unknown field",
        setitem(lambda b: task(b, 0)["edit_layout"], "help", {"aproved": "?"}),
        "error",
        "/workflow/tasks/0/edit_layout/help/aproved",
        "layout.unknown_field",
    ),
    # limits
    (
        "schema nesting",
        setitem(lambda b: tt(b)["fields"]["properties"], "deep", nest(20)),
        "error",
        "",
        "limit.schema_depth",
    ),
    ("too many tasks", add_tasks(200), "error", "/workflow/tasks", "limit.tasks"),
    (
        "too many transitions",
        lambda b: wf(b)["transitions"].extend([{"from": "order", "to": "delivery"}] * 1000),
        "error",
        "/workflow/transitions",
        "limit.transitions",
    ),
    (
        "document size",
        setitem(lambda b: b["workflow"], "description", "x" * (1024 * 1024 + 1)),
        "error",
        "",
        "limit.document_size",
    ),
]


@pytest.mark.parametrize(("name", "mutate", "severity", "path", "code"), CASES, ids=[c[0] for c in CASES])
def test_rule(name: str, mutate: Callable[[Doc], None], severity: str, path: str, code: str) -> None:
    bundle = laptop()
    mutate(bundle)
    report = validate(bundle)
    found = report.errors if severity == "error" else report.warnings
    pairs = [(p.path, p.code) for p in found]
    if code == "limit.schema_depth":  # the pointer is deep inside; check its prefix
        assert any(c == code and p.startswith("/ticket_types/0/fields/properties/deep") for p, c in pairs), pairs
    else:
        assert (path, code) in pairs, pairs
    if severity == "warning":
        assert report.valid, report.errors


def test_did_you_mean_in_messages() -> None:
    b = laptop()
    b["workflow"]["transitions"][0]["condition"] = "output.aproved"
    b["workflow"]["start"] = "aprove"
    messages = {p.path: p.message for p in validate(b).errors}
    assert "did you mean 'approved'" in messages["/workflow/transitions/0/condition"]
    assert "did you mean 'approve'" in messages["/workflow/start"]


def test_existing_workflow_satisfies_ticket_type_reference() -> None:
    b = laptop()
    b["ticket_types"][0]["workflow"] = "saved-flow"
    existing = ExistingDefinitions(workflows={"saved-flow": ["x"]}, role_names={"user"})
    report = validate(b, existing)
    assert report.valid and not report.warnings


def test_unknown_workflow_with_existing_is_an_error() -> None:
    b = laptop()
    b["ticket_types"][0]["workflow"] = "laptop-requests"
    report = validate(b, ExistingDefinitions(workflows={}, role_names={"user"}))
    assert ("/ticket_types/0/workflow", "ticket_type.unknown_workflow") in [(p.path, p.code) for p in report.errors]
    assert "did you mean 'laptop-request'" in report.errors[0].message


def test_unknown_role_is_a_warning() -> None:
    report = validate(laptop(), ExistingDefinitions(role_names={"admin", "users"}))
    assert report.valid
    assert [(p.path, p.code) for p in report.warnings] == [
        ("/ticket_types/0/company_role_access/0", "ticket_type.unknown_role")
    ]


def test_private_networks_allowed_by_setting() -> None:
    b = laptop()
    b["workflow"]["tasks"][1]["action_url"] = "http://10.0.0.5:8080/orders"
    assert not validate(b).valid
    assert validate(b, allow_private_networks=True).valid


def test_to_null_ends_and_counts_as_end() -> None:
    b = laptop()
    b["workflow"]["transitions"].append({"from": "delivery", "to": None})
    assert validate(b).valid


def test_non_dict_and_non_json_inputs() -> None:
    assert [p.code for p in validate([]).errors] == ["schema.type"]
    assert [p.code for p in validate(None).errors] == ["schema.type"]
    assert validate({"format": {1, 2}}).errors[0].code == "document.not_json"
    assert validate({"format": float("nan")}).errors[0].code == "document.not_json"
    assert validate({1: "x"}).errors[0].code == "document.not_json"


def test_deep_document_is_rejected_without_recursion_error() -> None:
    doc: Any = "x"
    for _ in range(5000):
        doc = [doc]
    report = validate({"format": "tfai.bundle/v1", "workflow": doc})
    assert report.errors[0].code == "limit.nesting"

"""Tenant-authored code stays cheap: re2 patterns, refused patterns and maxItems at save, comprehension depth,
ticket types per bundle, and the list cap on data (issue 18 item 1)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.fixtures.bundles import laptop
from tfai.domain.errors import InvalidInput
from tfai.domain.expressions import check_expression, macro_free
from tfai.domain.limits import MAX_COMPREHENSION_DEPTH, MAX_LIST_ITEMS, MAX_TICKET_TYPES
from tfai.domain.schema_check import require_valid, schema_problems
from tfai.domain.validate import validate

HOSTILE_PATTERN = "^(a+)+$"


def _fields(bundle: dict[str, Any]) -> dict[str, Any]:
    return dict(bundle["ticket_types"][0]["fields"])


def _errors(bundle: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in validate(bundle).errors]


def test_a_backtracking_pattern_runs_in_linear_time_on_re2() -> None:
    schema = {"type": "object", "properties": {"s": {"type": "string", "pattern": HOSTILE_PATTERN}}}
    started = time.monotonic()
    problems = schema_problems(schema, {"s": "a" * 40 + "b"})
    elapsed = time.monotonic() - started
    assert problems == [{"field": "s", "message": f"'{'a' * 40}b' does not match '{HOSTILE_PATTERN}'"}]
    assert elapsed < 0.5  # Python's re needs hours here; re2 answers at once
    assert schema_problems(schema, {"s": "a" * 40}) == []


def test_pattern_properties_and_additional_properties_match_keys_with_re2() -> None:
    schema = {"type": "object", "patternProperties": {"^(a+)+$": {"type": "integer"}},
              "additionalProperties": False}
    problems = schema_problems(schema, {"aaa": "x", "a" * 40 + "b": 1})
    assert {"field": "aaa", "message": "'x' is not of type 'integer'"} in problems
    assert any("does not match any of the regexes" in p["message"] for p in problems)


def test_a_pattern_re2_cannot_run_fails_closed_at_run_time() -> None:
    schema = {"type": "object", "properties": {"s": {"type": "string", "pattern": "(a)\\1"}}}
    [problem] = schema_problems(schema, {"s": "aa"})
    assert problem["field"] == "s" and "not supported" in problem["message"]


@pytest.mark.parametrize("pattern", ["(a)\\1", "(?=a)b", "(?<!x)y"])
def test_save_refuses_patterns_re2_cannot_compile_with_a_pointer(pattern: str) -> None:
    bundle = laptop()
    fields = _fields(bundle)
    fields["properties"] = {**fields["properties"], "model": {"type": "string", "pattern": pattern}}
    bundle["ticket_types"][0]["fields"] = fields
    assert ("/ticket_types/0/fields/properties/model/pattern", "jsonschema.pattern_unsupported") in _errors(bundle)


def test_save_refuses_pattern_properties_re2_cannot_compile_and_escapes_the_key() -> None:
    bundle = laptop()
    bundle["workflow"]["tasks"][0]["output_schema"]["patternProperties"] = {"^a/(?=b)": {"type": "string"}}
    assert ("/workflow/tasks/0/output_schema/patternProperties/^a~1(?=b)",
            "jsonschema.pattern_unsupported") in _errors(bundle)


def test_save_accepts_re2_patterns_and_a_property_named_pattern() -> None:
    bundle = laptop()
    fields = _fields(bundle)
    fields["properties"] = {**fields["properties"],
                            "code": {"type": "string", "pattern": "^[A-Z]{3}-\\d+$"},
                            "pattern": {"type": "string"}}
    bundle["ticket_types"][0]["fields"] = fields
    assert _errors(bundle) == []


def test_save_refuses_max_items_above_the_list_cap() -> None:
    bundle = laptop()
    fields = _fields(bundle)
    fields["properties"] = {**fields["properties"],
                            "parts": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_LIST_ITEMS + 1}}
    bundle["ticket_types"][0]["fields"] = fields
    assert ("/ticket_types/0/fields/properties/parts/maxItems", "limit.max_items") in _errors(bundle)
    fields["properties"]["parts"]["maxItems"] = MAX_LIST_ITEMS
    assert _errors(bundle) == []


def test_data_lists_longer_than_the_cap_are_refused_even_without_max_items() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "array", "items": {"type": "integer"}}}}
    require_valid(schema, {"a": list(range(MAX_LIST_ITEMS))}, what="ticket data")
    with pytest.raises(InvalidInput) as caught:
        require_valid(schema, {"a": list(range(MAX_LIST_ITEMS + 1))}, what="ticket data")
    assert caught.value.details == [{"field": "a", "message": f"{MAX_LIST_ITEMS + 1} items; at most {MAX_LIST_ITEMS}"}]
    with pytest.raises(InvalidInput) as nested:  # also lists the schema does not declare
        require_valid(None, {"x": {"y": [[0] * (MAX_LIST_ITEMS + 1)]}}, what="output")
    assert nested.value.details[0]["field"] == "x.y.0"


def test_comprehension_depth_is_limited_at_save() -> None:
    scope: dict[str, dict[str, Any] | None] = {"ticket": None}
    allowed = "{'r': ticket.a.map(x, ticket.a.map(y, x * y))}"
    deeper = "{'r': ticket.a.map(x, ticket.a.map(y, ticket.a.map(z, x * y * z)))}"
    assert MAX_COMPREHENSION_DEPTH == 2
    assert check_expression(allowed, scope, "transform") == []
    [problem] = check_expression(deeper, scope, "transform")
    assert problem.code == "expression.comprehension_depth"
    siblings = "{'r': ticket.a.map(x, x) + ticket.a.filter(y, y > 1) + [ticket.a.exists(z, z == 1)]}"
    assert check_expression(siblings, scope, "transform") == []  # side by side is not nested


def test_comprehension_depth_is_reported_in_the_bundle_with_its_pointer() -> None:
    bundle = laptop()
    bundle["workflow"]["tasks"][0]["input_transform"] = (
        "{'r': ticket.model.size() > 0 && [1].all(a, [2].all(b, [3].all(c, a < b)))}")
    assert ("/workflow/tasks/0/input_transform", "expression.comprehension_depth") in _errors(bundle)


def test_macro_free_expressions_are_told_apart() -> None:
    assert macro_free("{'model': ticket.model, 'price': ticket.price * 2}")
    assert not macro_free("{'r': ticket.a.map(x, x)}")
    assert not macro_free("ticket.a.exists(x, x > 1)")
    assert not macro_free("this does not parse (")


def test_ticket_types_per_bundle_are_limited() -> None:
    bundle = laptop()
    template = bundle["ticket_types"][0]
    bundle["ticket_types"] = [{**template, "key": f"laptop-{i}"} for i in range(MAX_TICKET_TYPES + 1)]
    assert ("/ticket_types", "limit.ticket_types") in _errors(bundle)
    bundle["ticket_types"] = bundle["ticket_types"][:MAX_TICKET_TYPES]
    assert ("/ticket_types", "limit.ticket_types") not in _errors(bundle)

"""CEL evaluation: numbers behave as users expect, limits hold, errors become ExpressionError."""

from __future__ import annotations

from typing import Any

import pytest

from tfai.domain.errors import TfaiError
from tfai.domain.expressions import (
    ExpressionError,
    check_expression,
    evaluate,
    evaluate_condition,
    evaluate_transform,
)
from tfai.domain.limits import MAX_EXPRESSION_BYTES


@pytest.mark.parametrize(
    "expr",
    [
        "ticket.amount > 5000.0",
        "ticket.amount > 5000",
        "ticket.amount >= 6000.0",
        "ticket.amount == 6000.0",
        "6000.0 == ticket.amount",
        "ticket.amount != 5000.5",
        "ticket.half < 1",
        "ticket.half * 2 == 1",
        "ticket.amount + 0.5 > 6000",
        "ticket.amount / 4.0 == 1500",
        "1u < 2.5",
    ],
)
def test_heterogeneous_numbers(expr: str) -> None:
    assert evaluate_condition(expr, {"ticket": {"amount": 6000, "half": 0.5}}) is True


def test_float_amount_compares_with_int_literal() -> None:
    assert evaluate_condition("ticket.amount > 5000", {"ticket": {"amount": 6000.0}})
    assert not evaluate_condition("ticket.amount > 5000", {"ticket": {"amount": 99.5}})


def test_integer_division_stays_integer() -> None:
    assert evaluate("7 / 2", {}) == 3


def test_transform_returns_plain_json() -> None:
    out = evaluate_transform(
        "{'model': ticket.model, 'n': 1, 'x': 2.5, 'ok': true, 'none': null, 'l': [1, 'a'], 'm': {'k': ticket.model}}",
        {"ticket": {"model": "pro-14"}},
    )
    assert out == {"model": "pro-14", "n": 1, "x": 2.5, "ok": True, "none": None, "l": [1, "a"], "m": {"k": "pro-14"}}
    assert type(out["n"]) is int and type(out["ok"]) is bool and type(out["model"]) is str


def test_macros_and_functions() -> None:
    scope = {"ticket": {"items": [{"p": 2}, {"p": 5}], "name": "Ada"}}
    assert evaluate("ticket.items.map(i, i.p * 2)", scope) == [4, 10]
    assert evaluate_condition("ticket.items.exists(i, i.p > 4.5)", scope)
    assert evaluate_condition("size(ticket.name) == 3 && ticket.name.startsWith('A')", scope)
    assert evaluate_condition("has(ticket.name) && !has(ticket.missing)", scope)


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("ticket.missing", "eval"),
        ("1 / 0", "eval"),
        ("'a' + 1", "eval"),
        ("ticket.(", "syntax"),
        ("", "empty"),
        ("x" * (MAX_EXPRESSION_BYTES + 1), "too_long"),
        ("[" * 40 + "]" * 40, "too_deep"),
        ("{1: 2}", "bad_key"),
        ("'x'", "not_map"),
        ("unknown_name", "eval"),
    ],
)
def test_errors_become_expression_errors(expr: str, reason: str) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate_transform(expr, {"ticket": {}})
    assert info.value.reason == reason
    assert isinstance(info.value, TfaiError)
    assert info.value.to_dict()["code"] == "expression_error"


def test_condition_must_be_bool() -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate_condition("1 + 1", {})
    assert info.value.reason == "not_bool"


def test_result_size_is_limited() -> None:
    scope = {"ticket": {"s": "x" * 100_000}}
    with pytest.raises(ExpressionError) as info:
        evaluate("[ticket.s, ticket.s, ticket.s]", scope)
    assert info.value.reason == "too_large"


def test_result_nesting_is_limited() -> None:
    deep: object = 1
    for _ in range(40):
        deep = [deep]
    with pytest.raises(ExpressionError) as info:
        evaluate("ticket.d", {"ticket": {"d": deep}})
    assert info.value.reason == "too_deep"


def test_unsupported_scope_value() -> None:
    with pytest.raises(ExpressionError):
        evaluate("ticket", {"ticket": {"s": {1, 2}}})


SCOPE: dict[str, dict[str, Any] | None] = {
    "ticket": {"type": "object", "properties": {"price": {"type": "number"}, "model": {"type": "string"},
                                                "tags": {"type": "array", "items": {"type": "string"}}}},
    "tasks": {"type": "object", "additionalProperties": False,
              "properties": {"order": {"type": "object", "properties": {"order_id": {"type": "string"}}}}},
    "response": None,
}  # fmt: skip


@pytest.mark.parametrize(
    ("expr", "code"),
    [
        ("ticket.prise > 1", "expression.unknown_field"),
        ("tasks.ordr.order_id == 'x'", "expression.unknown_field"),
        ("tasks.order.orderid == 'x'", "expression.unknown_field"),
        ("tickt.price > 1", "expression.unknown_name"),
        ("ticket.model.length > 1", "expression.not_an_object"),
        ("ticket.price[0] > 1", "expression.not_a_list"),
        ("nope(1)", "expression.unknown_function"),
        ("'text'", "expression.not_bool"),
        ("ticket.price * 2", "expression.not_bool"),
        ("[1]", "expression.not_bool"),
        ("ticket.price >", "expression.syntax"),
    ],
)
def test_check_expression_finds(expr: str, code: str) -> None:
    assert [p.code for p in check_expression(expr, SCOPE, "condition")] == [code]


@pytest.mark.parametrize(
    "expr",
    [
        "ticket.price > 5000.0",
        "ticket['model'] == 'air-13'",
        "ticket.tags.exists(t, t == 'x')",
        "ticket.tags[0] == 'x'",
        "response.body.anything.goes",
        "has(ticket.model) ? ticket.price > 1 : false",
        "type(ticket.price) == double",
        "size(ticket.tags) > 0",
    ],
)
def test_check_expression_accepts(expr: str) -> None:
    assert check_expression(expr, SCOPE, "condition") == []


def test_did_you_mean() -> None:
    (problem,) = check_expression("ticket.prise > 1", SCOPE, "condition")
    assert "did you mean 'price'" in problem.message
    (problem,) = check_expression("tasks.ordr.order_id", SCOPE, "any")
    assert "did you mean 'order'" in problem.message


def test_transform_kind() -> None:
    assert [p.code for p in check_expression("[ticket.price]", SCOPE, "transform")] == ["expression.not_map"]
    assert check_expression("{'p': ticket.price}", SCOPE, "transform") == []

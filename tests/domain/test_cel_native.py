"""The compiled CEL engine answers exactly as cel-python wherever it is used; batches share one converted scope."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from tfai.domain import expressions
from tfai.domain.bundle import Workflow
from tfai.domain.cel_native import MAX_NATIVE_DEPTH, compile_native
from tfai.domain.engine import plan_completion
from tfai.domain.expressions import ExpressionError, Scope, evaluate, summary_of

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_KEYS = ("condition", "input_transform", "output_transform")


def _bundle_expressions(node: Any) -> list[str]:
    """Every CEL text of a bundle: conditions, transforms and `set` values."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _KEYS and isinstance(value, str):
                found.append(value)
            elif key == "set" and isinstance(value, dict):
                found += [v for v in value.values() if isinstance(v, str)]
            else:
                found += _bundle_expressions(value)
    elif isinstance(node, list):
        for item in node:
            found += _bundle_expressions(item)
    return found


def _example_expressions() -> list[str]:
    found: list[str] = []
    for path in sorted(EXAMPLES.iterdir()):
        if path.suffix in (".json", ".yaml", ".yml"):
            found += _bundle_expressions(yaml.safe_load(path.read_text()))
    return sorted(set(found))


def _scope_for(expr: str, leaf: Any) -> dict[str, Any]:
    """A scope where every path `expr` reads holds `leaf` (ticket, tasks, workflow always present)."""
    scope: dict[str, Any] = {"ticket": {}, "tasks": {}, "workflow": {}}
    summary = summary_of(expr)
    assert summary is not None
    for root, path in summary.reads:
        if not path:
            scope.setdefault(root, leaf)
            continue
        node = scope.setdefault(root, {})
        for segment in path[:-1]:
            if not isinstance(node, dict):
                break
            node = node.setdefault(str(segment), {})
        if isinstance(node, dict):
            node.setdefault(str(path[-1]), leaf)
    return scope


def _outcome(expr: str, scope: dict[str, Any], *, compiled: bool) -> tuple[str, Any]:
    try:
        value = Scope(scope, compiled=compiled).evaluate(expr)
        return "value", (type(value).__name__, value)
    except ExpressionError as exc:
        return "error", (exc.reason, exc.message, exc.expression)


LEAVES = [150, 6000.5, "abc", "héllo wörld", True, None, [1, 2.5], {"k": 1}, 2**63, -(2**63)]


@pytest.mark.parametrize("expr", _example_expressions())
def test_example_expressions_run_compiled(expr: str) -> None:
    assert expressions._native_program(expr) is not None, "the hot path would stay on cel-python"


@pytest.mark.parametrize("expr", _example_expressions())
@pytest.mark.parametrize("leaf", LEAVES, ids=repr)
def test_example_expressions_agree(expr: str, leaf: Any) -> None:
    scope = _scope_for(expr, leaf)
    assert _outcome(expr, scope, compiled=True) == _outcome(expr, scope, compiled=False)


CORPUS = [
    "6000 > 5000.0", "x > 10", "x < 2", "x + y", "x * y", "x - y", "x / y", "x % 3", "-x", "!b", "b && x > 1",
    "b || nope.a", "nope.a || true", "x == y", "x != y", "s + 'a'", "s + x", "size(s)", "size(l)", "size(m)",
    "s.contains('ll')", "s.startsWith('h')", "s.endsWith('d')", "l[0]", "l[5]", "m.a", "m.zz", "m['a']",
    "has(m.a)", "has(m.zz)", "s == 'hello world'", "x == 7", "m.a == 1", "m.n == null", "x != 'a'", "l == 1",
    "{'a': x, 'b': [s, y], 'c': {'d': b}}", "b ? x : y", "x ? 1 : 2", "'a' in m",
    "l + [3]", "[x, y][1]", "9223372036854775807 + x", "x / 0", "1.0 / 0.0", "string(y)", "int(y)",
    "s.matches('^h')", "m", "l", "{'k': m}", "b == true", "null == m.n", "m.n", "{'n': m.n}",
    "l + m", "m + l", "l + [1]", "[1] + l", "l + s", "-b", "{'a': 1, 'a': 2}", "{'a': 1, \"a\": 2}", "{s: 1, 'x': 2}",
]


@pytest.mark.parametrize("expr", CORPUS)
@pytest.mark.parametrize("x", [7, 7.5, -(2**63) + 1, 2**63 - 1], ids=repr)
@pytest.mark.parametrize("s", ["hello world", "héllo wörld"])
def test_operators_agree(expr: str, x: Any, s: str) -> None:
    scope = {"x": x, "y": 2.5, "s": s, "b": True, "l": [1, 2.5, "z"], "m": {"a": 1, "n": None, "é": "ü"}}
    assert _outcome(expr, scope, compiled=True) == _outcome(expr, scope, compiled=False)


def test_size_counts_characters_not_bytes() -> None:
    assert evaluate("size(ticket.title)", {"ticket": {"title": "héllo"}}) == 5
    assert evaluate("size('héllo') + size(ticket.title)", {"ticket": {"title": "ab"}}) == 7


def test_mixed_numbers_still_combine() -> None:
    assert evaluate("ticket.amount * 1.5", {"ticket": {"amount": 10}}) == 15.0


def test_error_texts_are_cel_python_s() -> None:
    with pytest.raises(ExpressionError, match="no such member") as caught:
        evaluate("ticket.missing", {"ticket": {}})
    assert caught.value.reason == "eval"
    assert caught.value.expression == "ticket.missing"


def test_too_deep_data_is_refused_even_when_not_read() -> None:
    deep: Any = 1
    for _ in range(200):
        deep = [deep]
    with pytest.raises(ExpressionError) as caught:
        evaluate("ticket.a", {"ticket": {"a": 1}, "other": deep})
    assert caught.value.reason == "data_too_deep"
    assert caught.value.expression == "ticket.a"


def test_macros_and_deep_trees_stay_on_cel_python() -> None:
    assert expressions._native_program("ticket.items.map(i, i * 2)") is None
    deep = "ticket" + ".a" * (MAX_NATIVE_DEPTH + 5)
    assert expressions._native_program(deep) is None
    assert expressions._native_program("string(ticket.amount)") is None
    assert expressions._native_program("ticket.amount > 1") is not None


def test_compile_native_refuses_what_it_does_not_know() -> None:
    assert compile_native("timestamp('2020-01-01T00:00:00Z')", expressions._parse("ticket"), ()) is None


def test_a_shallow_expression_runs_on_a_small_thread_stack() -> None:
    # the compiled engine recurses on the C stack; the depth bound keeps it within a 128 KiB thread stack
    expr = "ticket" + ".a" * 50 + " + 1"
    data: Any = 1
    for _ in range(50):
        data = {"a": data}
    assert expressions._native_program(expr) is not None
    results: list[Any] = []
    previous = threading.stack_size(128 * 1024)
    try:
        worker = threading.Thread(target=lambda: results.append(evaluate(expr, {"ticket": data})))
        worker.start()
        worker.join()
    finally:
        threading.stack_size(previous)
    assert results == [2]


def test_a_scope_is_converted_once_for_its_batch() -> None:
    scope = Scope({"ticket": {"amount": 6000, "tags": ["a"]}, "output": {"approved": True}})
    assert scope.condition("output.approved && ticket.amount > 5000.0") is True
    assert scope.transform("{'n': size(ticket.tags)}") == {"n": 1}
    assert scope.evaluate("ticket.amount * 2.0") == 12000.0  # cel-python's coercion, on its activation
    native = scope._native
    activation = scope._cel_activation()
    assert native is not None
    assert scope.condition("ticket.amount > 1") is True
    assert scope._native is native and scope._cel_activation() is activation


def test_condition_and_transform_kinds_are_checked_on_a_scope() -> None:
    scope = Scope({"ticket": {"a": 1}})
    with pytest.raises(ExpressionError) as not_bool:
        scope.condition("ticket.a")
    assert not_bool.value.reason == "not_bool"
    with pytest.raises(ExpressionError) as not_map:
        scope.transform("ticket.a")
    assert not_map.value.reason == "not_map"


def test_completion_decides_the_same_on_both_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    workflow = Workflow.model_validate({
        "key": "w", "title": "W", "start": "a",
        "fields": [{"name": "total", "type": "number"}],
        "tasks": [{"key": "a", "title": "A", "type": "FORM", "set": {"total": "output.n * 2.5"}},
                  {"key": "b", "title": "B", "type": "FORM"}, {"key": "c", "title": "C", "type": "FORM"}],
        "transitions": [{"from": "a", "to": "b", "condition": "workflow.total > 10 && ticket.kind == 'x'"},
                        {"from": "a", "to": "c", "condition": "size(ticket.kind) == 2"}],
    })
    data = {"ticket": {"kind": "ü!"}, "tasks": {}, "workflow": {}}
    compiled = plan_completion(workflow, "a", {"n": 5}, data)
    monkeypatch.setattr(expressions, "_native_program", lambda expr: None)
    reference = plan_completion(workflow, "a", {"n": 5}, data)
    assert compiled == reference
    assert compiled.next_task == "c"
    assert compiled.workflow_data["workflow"] == {"total": 12.5}


def test_field_against_literal_comparisons_run_compiled_only_on_the_same_kind() -> None:
    assert expressions._native_program("output.decision != 'deny'") is not None
    assert expressions._native_program("output.decision != tasks.a.decision") is None
    assert expressions._native_program("'a' in ticket.tags") is None
    with pytest.raises(ExpressionError, match="no matching overload"):
        evaluate("output.decision != 'deny'", {"output": {"decision": 3}})
    assert evaluate("output.decision != 'deny'", {"output": {"decision": "ok"}}) is True
    assert evaluate("output.flag == 1", {"output": {"flag": True}}) is True  # cel-python's reading, kept


def test_result_maps_keep_the_order_the_expression_spells() -> None:
    expr = "{'zeta': ticket.a, 'alpha': {'y': 1, 'b': ticket.a}, 'mid': 'x'}"
    assert expressions._native_program(expr) is not None
    for _ in range(5):
        result = evaluate(expr, {"ticket": {"a": 1}})
        assert list(result) == ["zeta", "alpha", "mid"]
        assert list(result["alpha"]) == ["y", "b"]
    data_map = evaluate("{'t': ticket}", {"ticket": {"q": 1, "c": 2, "k": 3}})
    assert list(data_map["t"]) == ["c", "k", "q"]  # keys the expression does not spell: sorted, not random


def test_the_engine_comes_without_the_package_s_command_line() -> None:
    code = ("import sys, tfai.domain.expressions as e; import cel; "
            "assert e.evaluate('1 + 1', {}) == 2 and cel.compile('2').execute() == 2; "
            "print(sorted(m for m in ('typer', 'rich', 'prompt_toolkit') if m in sys.modules))")
    lean = subprocess.run([sys.executable, "-c", code.replace("import cel; ", "").replace(
        " and cel.compile('2').execute() == 2", "")], capture_output=True, text=True, check=True)
    assert lean.stdout.strip() == "[]"
    both = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert both.stdout.strip() == "['prompt_toolkit', 'rich', 'typer']"  # a later `import cel` still works


def test_every_operator_over_every_kind_of_value_agrees() -> None:
    values = {"i": 5, "d": 2.5, "s": "ab", "b": True, "l": [1], "m": {"k": 1}, "n": None}
    exprs = [f"{a} {op} {b}" for op in ("+", "-", "*", "/", "%", "<", "<=", ">", ">=", "&&", "||", "==", "!=")
             for a in values for b in values]
    exprs += [f"{op}{a}" for op in ("-", "!") for a in values]
    exprs += [f.format(a) for a in values for f in ("size({})", "{}.contains('k')", "{}.startsWith('a')", "{}[0]",
                                                    "{}['k']", "has({}.k)", "{} ? 1 : 2", "{} == 1", "{} != 'ab'")]
    differ = [e for e in exprs if _outcome(e, values, compiled=True) != _outcome(e, values, compiled=False)]
    assert differ == []


def test_one_compiled_program_serves_several_threads() -> None:
    expr = "{'a': ticket.amount + 1, 't': ticket.t}"
    assert expressions._native_program(expr) is not None
    wrong: list[Any] = []

    def work(offset: int) -> None:
        for i in range(offset, offset + 500):
            result = evaluate(expr, {"ticket": {"amount": i, "t": "x"}})
            if result != {"a": i + 1, "t": "x"}:
                wrong.append(result)

    threads = [threading.Thread(target=work, args=(n * 1000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []

"""Property tests: mutated bundles never crash the validator, and every pointer resolves in the document."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.bundles import EXAMPLE_FILES, example
from tfai.domain.bundle import Bundle
from tfai.domain.problems import resolve_pointer
from tfai.domain.validate import validate

NAMES = [p.name for p in EXAMPLE_FILES]
json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
BAD_CEL = [
    "", "(", "ticket.", "tasks.nope.x", "output.approved &&", "'unterminated", "1 +", "[" * 50,
    "ticket.price > '5'", "{1: 2}", "size()", "a.b.c.d.e.f", "\x00", "ticket['x'", "exists(x)",
    "output.approved ? 1 : 'x'", "x" * 5000, "tasks.order.order_id.map(x, x)",
]  # fmt: skip
REFERENCES = ["approve", "order", "nope", "", "Approve", "start", "laptop-request", "x" * 100, "a/b~c"]
EXPRESSION_KEYS = ("condition", "input_transform", "output_transform")


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `doc` (the root excluded)."""
    found: list[tuple[Any, ...]] = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        found.append((*prefix, key))
        found.extend(paths(value, (*prefix, key)))
    return found


def parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


@st.composite
def mutated_bundles(draw: st.DrawFn) -> dict[str, Any]:
    doc = example(draw(st.sampled_from(NAMES)))
    for _ in range(draw(st.integers(1, 4))):
        all_paths = paths(doc)
        if not all_paths:
            break
        path = draw(st.sampled_from(all_paths))
        holder, key = parent(doc, path), path[-1]
        op = draw(st.sampled_from(["drop", "retype", "rename", "cel", "huge", "dup"]))
        if op == "drop":
            del holder[key]
        elif op == "retype":
            holder[key] = draw(json_values)
        elif op == "rename":
            holder[key] = draw(st.sampled_from(REFERENCES))
        elif op == "cel":
            exprs = [p for p in all_paths if p[-1] in EXPRESSION_KEYS]
            target = draw(st.sampled_from(exprs)) if exprs else path
            parent(doc, target)[target[-1]] = draw(st.sampled_from(BAD_CEL))
        elif op == "huge":
            holder[key] = draw(st.sampled_from(["y" * 70_000, "z" * (1024 * 1024 + 1)]))
        elif op == "dup" and isinstance(holder, list):
            holder.append(holder[key])
    return doc


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bundles())
def test_validator_never_raises_and_pointers_resolve(doc: dict[str, Any]) -> None:
    report = validate(doc)
    for problem in report.errors + report.warnings:
        assert problem.code != "validator.internal", problem
        resolve_pointer(doc, problem.path)  # raises if the pointer does not resolve
        assert problem.message
    if report.valid:
        Bundle.model_validate(doc)  # whatever validates, the engine can load


@settings(max_examples=200, deadline=None, database=None)
@given(json_values)
def test_arbitrary_json_never_crashes(value: Any) -> None:
    report = validate(value)
    assert not report.valid or isinstance(value, dict)
    for problem in report.errors + report.warnings:
        assert problem.code != "validator.internal", problem
        resolve_pointer(value, problem.path)


@settings(max_examples=200, deadline=None, database=None)
@given(st.sampled_from(NAMES), st.sampled_from(EXPRESSION_KEYS), st.text(max_size=60))
def test_random_cel_text_never_crashes(name: str, key: str, text: str) -> None:
    doc = example(name)
    targets = [p for p in paths(doc) if p[-1] == key]
    if targets:
        parent(doc, targets[0])[key] = text
    report = validate(doc)
    assert all(p.code != "validator.internal" for p in report.errors)

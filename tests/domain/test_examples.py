"""Every bundle in examples/ is valid, without warnings, and parses into the pydantic models."""

from __future__ import annotations

import pytest

from tests.fixtures.bundles import EXAMPLE_FILES, example
from tfai.domain.bundle import Bundle
from tfai.domain.validate import validate


def test_there_are_at_least_five_examples() -> None:
    assert len(EXAMPLE_FILES) >= 5


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_validates_clean(path) -> None:
    report = validate(example(path.name))
    assert report.errors == []
    assert report.warnings == []
    assert report.valid


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_parses_into_models(path) -> None:
    bundle = Bundle.model_validate(example(path.name))
    assert bundle.workflow is not None
    assert all(tt.workflow == bundle.workflow.key for tt in bundle.ticket_types)


def test_laptop_example_is_the_issue_example() -> None:
    b = example("laptop-request.json")
    assert [t["key"] for t in b["workflow"]["tasks"]] == ["approve", "order", "delivery", "rejected"]
    assert b["workflow"]["transitions"][0] == {
        "from": "approve", "to": "order", "condition": "output.approved", "priority": 10,
    }  # fmt: skip

"""Bundle models, published schemas (they agree with the models) and JSON/YAML loading."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from tests.fixtures.bundles import EXAMPLE_FILES, example, laptop
from tfai.domain.bundle import Bundle, generated_schema, load_bundle_text, published_schema
from tfai.domain.errors import InvalidInput
from tfai.domain.layout import Layout


@pytest.mark.parametrize(("name", "model"), [("bundle", Bundle), ("layout", Layout)])
def test_published_schema_is_generated_from_model(name: str, model: type) -> None:
    shipped = json.loads(resources.files("tfai.schemas").joinpath(f"{name}.schema.json").read_text())
    assert shipped == generated_schema(model, shipped["$id"]), "regenerate tfai/schemas (see docs/definitions.md)"
    Draft202012Validator.check_schema(shipped)


def _agree(doc: object) -> None:
    schema_ok = not list(Draft202012Validator(published_schema("bundle")).iter_errors(doc))
    try:
        Bundle.model_validate(doc)
        model_ok = True
    except ValidationError:
        model_ok = False
    assert schema_ok == model_ok, doc


@pytest.mark.parametrize(
    "mutation",
    [
        lambda b: None,
        lambda b: b.update(format="v2"),
        lambda b: b["workflow"].update(start=1),
        lambda b: b["workflow"].pop("tasks"),
        lambda b: b["workflow"]["tasks"][0].update(type="X"),
        lambda b: b["workflow"]["tasks"][0].update(extra=1),
        lambda b: b["workflow"]["tasks"][1].update(timeout_seconds=True),
        lambda b: b["workflow"]["tasks"][1].update(timeout_seconds="15"),
        lambda b: b["workflow"]["transitions"][0].pop("to"),
        lambda b: b["workflow"]["transitions"][0].update(to=None),
        lambda b: b["workflow"]["transitions"][0].update(priority=5000),
        lambda b: b["ticket_types"][0]["edit_layout"]["widgets"].update(model="slider"),
        lambda b: b["ticket_types"][0]["edit_layout"]["sections"][0].update(title=3),
        lambda b: b["ticket_types"][0].update(company_role_access="user"),
        lambda b: b["ticket_types"][0].update(key="Has Spaces"),
        lambda b: b.pop("ticket_types"),
        lambda b: b.update(workflow=None),
    ],
)
def test_schema_and_models_agree(mutation) -> None:  # type: ignore[no-untyped-def]
    doc = laptop()
    mutation(doc)
    _agree(doc)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_examples_agree(path) -> None:  # type: ignore[no-untyped-def]
    _agree(example(path.name))


def test_load_json_and_yaml_give_the_same_dict() -> None:
    doc = laptop()
    import yaml

    assert load_bundle_text(json.dumps(doc)) == doc
    assert load_bundle_text(yaml.safe_dump(doc)) == doc


def test_yaml_dates_stay_strings() -> None:
    assert load_bundle_text("format: tfai.bundle/v1\nwhen: 2025-01-01\n")["when"] == "2025-01-01"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"a": ', "Not valid JSON at line 1"),
        ("a: [\n", "Not valid YAML"),
        ("- 1\n- 2\n", "must be a JSON/YAML object"),
        ("", "must be a JSON/YAML object"),
        ("a: &x [1]\nb: *x\n", "aliases are not allowed"),
        ("1: x\n", "keys must be strings"),
        ("a: !!python/object:os.system x\n", "Not valid YAML"),
    ],
)
def test_load_errors(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as info:
        load_bundle_text(text)
    assert fragment in info.value.message


def test_load_rejects_huge_text() -> None:
    with pytest.raises(InvalidInput):
        load_bundle_text("a: " + "x" * (1024 * 1024 + 10))

"""Structural checks: the bundle schema, embedded JSON Schemas against the metaschema, and nesting."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from pydantic import ValidationError as PydanticValidationError

from tfai.domain.bundle import Bundle, published_schema
from tfai.domain.limits import MAX_LIST_ITEMS, MAX_SCHEMA_DEPTH
from tfai.domain.problems import Problem, join_pointer, pointer
from tfai.domain.schema_check import pattern_error


@lru_cache(maxsize=1)
def bundle_validator() -> Draft202012Validator:
    """The compiled validator of tfai/schemas/bundle.schema.json."""
    return Draft202012Validator(published_schema("bundle"))


@lru_cache(maxsize=1)
def metaschema_validator() -> Draft202012Validator:
    """A validator of JSON Schemas themselves (draft 2020-12 metaschema)."""
    return Draft202012Validator(Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _problem_from(error: ValidationError, base: str, prefix: str) -> Iterator[Problem]:
    if error.validator in ("anyOf", "oneOf") and isinstance(error.validator_value, list):
        branches = [b for b in error.validator_value if b != {"type": "null"}]
        if len(branches) == 1 and error.instance is not None:
            # A nullable value that is present: report every error of the one real branch.
            inner = bundle_validator().evolve(schema=branches[0]) if prefix == "schema" else None
            if inner is not None:
                where = join_pointer(base, *error.absolute_path)
                for sub in inner.iter_errors(error.instance):
                    yield from _problem_from(sub, where, prefix)
                return
        if error.context:
            chosen = best_match(error.context)
            if chosen is not None:
                yield from _problem_from(chosen, base, prefix)
                return
    where = join_pointer(base, *error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        known = ", ".join(sorted(props)) or "none"
        for key in error.instance:
            if key not in props:
                yield Problem(
                    join_pointer(where, key),
                    f"{prefix}.unknown_property",
                    f"Unknown property {key!r}; allowed here: {known}",
                )
        return
    message = error.message if len(error.message) <= 300 else error.message[:297] + "..."
    yield Problem(where, f"{prefix}.{error.validator}", message)


def _model_problems(bundle: Any, exc: PydanticValidationError) -> list[Problem]:
    """Pydantic's errors as problems, each at the deepest part of its location that exists."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        node, parts = bundle, []
        for part in err["loc"]:
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                break
            parts.append(part)
        problems.append(Problem(pointer(*parts), f"schema.{err['type']}", str(err["msg"])[:300]))
    return problems


def structure_problems(bundle: Any) -> list[Problem]:
    """Problems of the document against the bundle schema, one per failing value.

    The pydantic models decide quickly whether the document is well-formed; only when it is not
    does the (slower) published JSON Schema explain every error. Whatever passes here parses.
    """
    try:
        Bundle.model_validate(bundle)
        return []
    except PydanticValidationError as exc:
        model_error = exc
    problems: list[Problem] = []
    for error in bundle_validator().iter_errors(bundle):
        problems.extend(_problem_from(error, "", "schema"))
    return problems or _model_problems(bundle, model_error)


def _shallow_and_local(schema: Any) -> bool:
    """A fast pass without pointers: True when _depth_and_refs would find nothing."""
    stack: list[tuple[Any, int]] = [(schema, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_SCHEMA_DEPTH:
            return False
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return False
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return True


def _depth_and_refs(schema: Any, base: str) -> list[Problem]:
    """Nesting beyond MAX_SCHEMA_DEPTH and $refs that leave the document."""
    if _shallow_and_local(schema):
        return []
    problems: list[Problem] = []
    stack: list[tuple[Any, str, int]] = [(schema, base, 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_SCHEMA_DEPTH:
            problems.append(
                Problem(where, "limit.schema_depth", f"The schema nests deeper than {MAX_SCHEMA_DEPTH} levels")
            )
            break
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                problems.append(
                    Problem(
                        join_pointer(where, "$ref"),
                        "schema.remote_ref",
                        "Only local $refs ('#/...') are allowed",
                    )
                )
            stack.extend((v, join_pointer(where, k), depth + 1) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, join_pointer(where, i), depth + 1) for i, v in enumerate(node))
    return problems


# Keywords whose value is a schema, a list of schemas, or a map of names to schemas (draft 2020-12).
_ONE = ("items", "contains", "additionalProperties", "unevaluatedProperties", "unevaluatedItems", "propertyNames",
        "not", "if", "then", "else")
_MANY = ("prefixItems", "allOf", "anyOf", "oneOf")
_NAMED = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def _runtime_problems(schema: Any, base: str) -> list[Problem]:
    """What the run-time validator refuses: patterns re2 cannot run, maxItems above MAX_LIST_ITEMS."""
    problems: list[Problem] = []
    stack: list[tuple[Any, str]] = [(schema, base)]
    while stack:
        node, where = stack.pop()
        if not isinstance(node, dict):
            continue
        patterns = [(join_pointer(where, "pattern"), node["pattern"])] if "pattern" in node else []
        named = node.get("patternProperties")
        if isinstance(named, dict):
            patterns += [(join_pointer(where, "patternProperties", p), p) for p in named]
        for at, pattern in patterns:
            why = pattern_error(pattern)
            if why is not None:
                problems.append(Problem(at, "jsonschema.pattern_unsupported", why[:300]))
        most = node.get("maxItems")
        if isinstance(most, int) and not isinstance(most, bool) and most > MAX_LIST_ITEMS:
            problems.append(Problem(join_pointer(where, "maxItems"), "limit.max_items",
                                    f"maxItems is at most {MAX_LIST_ITEMS} (lists longer than that are refused)"))
        stack.extend((node[k], join_pointer(where, k)) for k in _ONE if k in node)
        for key in _MANY:
            if isinstance(node.get(key), list):
                stack.extend((s, join_pointer(where, key, i)) for i, s in enumerate(node[key]))
        for key in _NAMED:
            if isinstance(node.get(key), dict):
                stack.extend((s, join_pointer(where, key, n)) for n, s in node[key].items())
    return problems


@lru_cache(maxsize=4096)
def _metaschema_problems_cached(text: str) -> tuple[Problem, ...]:
    schema = json.loads(text)
    found: list[Problem] = []
    for error in metaschema_validator().iter_errors(schema):
        found.extend(_problem_from(error, "", "jsonschema"))
    if not found and isinstance(schema, dict) and schema.get("type") != "object":
        found.append(Problem("", "jsonschema.not_object", 'The schema must describe an object ("type": "object")'))
    return tuple(found)


def embedded_schema_problems(schema: Any, base: str) -> list[Problem]:
    """Problems of one embedded schema (ticket fields, input/output schema) at pointer `base`."""
    problems = _depth_and_refs(schema, base)
    if problems and problems[0].code == "limit.schema_depth":
        return problems
    try:
        text = json.dumps(schema, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return [Problem(base, "jsonschema.not_json", "The schema is not plain JSON")]
    problems.extend(p.at(base) for p in _metaschema_problems_cached(text))
    problems.extend(_runtime_problems(schema, base))
    return problems

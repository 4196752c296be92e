"""JSON Schema validation of user data with per-field problems (InvalidInput details); patterns run on re2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import SchemaError

from tfai.domain.errors import InvalidInput
from tfai.domain.limits import MAX_DATA_BYTES, MAX_LIST_ITEMS

# Tenant schemas' `pattern` and `patternProperties` run on re2 (linear time, no backtracking), never on Python's
# `re`, whose backtracking turns `^(a+)+$` into hours of CPU. Save refuses a pattern re2 cannot compile.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to the designer, not written to stderr


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """The compiled re2 program of a schema pattern; raises re2.error (backreferences, lookaround, ...)."""
    return re2.compile(pattern, _RE2_OPTIONS)


def pattern_error(pattern: Any) -> str | None:
    """Why re2 cannot run this `pattern`, or None when it can."""
    if not isinstance(pattern, str):
        return "a pattern must be a string"
    try:
        compile_pattern(pattern)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        return f"the pattern {pattern[:100]!r} is not supported ({detail}); patterns use RE2 syntax, " \
               "without backreferences or lookaround"
    return None


def _search(pattern: str, text: str) -> bool:
    return compile_pattern(pattern).search(text) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    problem = pattern_error(pattern)  # a pattern saved before re2 was the rule fails closed
    if problem is not None:
        yield ValidationError(problem)
    elif not _search(pattern, instance):
        yield ValidationError(f"{instance!r:.200} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        problem = pattern_error(pattern)
        if problem is not None:
            yield ValidationError(problem)
            continue
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's additionalProperties, with patternProperties matched by re2."""
    if not validator.is_type(instance, "object"):
        return
    known = schema.get("properties", {})
    patterns = [p for p in schema.get("patternProperties", {}) if pattern_error(p) is None]
    extras = sorted((k for k in instance if k not in known and not any(_search(p, k) for p in patterns)), key=str)
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif not extra and extras:  # jsonschema's own wording
        listed = ", ".join(repr(k) for k in extras)
        if "patternProperties" in schema:
            regexes = ", ".join(repr(p) for p in sorted(schema["patternProperties"]))
            yield ValidationError(f"{listed} {'does' if len(extras) == 1 else 'do'} not match any of the regexes: "
                                  f"{regexes}")
        else:
            yield ValidationError(f"Additional properties are not allowed ({listed} "
                                  f"{'was' if len(extras) == 1 else 'were'} unexpected)")


_Validator = validators.extend(Draft202012Validator, {
    "pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties,
})
_FORMATS = FormatChecker()
_FORMATS.checks("regex", raises=re2.error)(compile_pattern)


def list_problems(data: Any, where: str = "") -> list[dict[str, str]]:
    """Lists in `data` longer than MAX_LIST_ITEMS (every array field's default maxItems), as {"field", "message"}."""
    found: list[dict[str, str]] = []
    stack: list[tuple[Any, str]] = [(data, where)]
    while stack and len(found) < 50:
        node, at = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, f"{at}.{k}" if at else str(k)) for k, v in node.items())
        elif isinstance(node, list):
            if len(node) > MAX_LIST_ITEMS:
                found.append({"field": at, "message": f"{len(node)} items; at most {MAX_LIST_ITEMS}"})
            stack.extend((v, f"{at}.{i}" if at else str(i)) for i, v in enumerate(node))
    return found


def _field(err: Any) -> str:
    path = [str(p) for p in err.absolute_path]
    if err.validator == "required" and isinstance(err.instance, dict):
        missing = [k for k in err.validator_value if k not in err.instance]
        if missing:
            path.append(str(missing[0]))
    return ".".join(path)


def schema_problems(schema: dict[str, Any] | None, data: Any) -> list[dict[str, str]]:
    """Every way `data` violates `schema`, as {"field", "message"}; [] when valid or without a schema."""
    if not schema:
        return []
    try:
        validator = _Validator(schema, format_checker=_FORMATS)
        errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    except SchemaError as exc:
        return [{"field": "", "message": f"The definition's schema is not valid: {exc.message}"}]
    return [{"field": _field(e), "message": e.message[:500]} for e in errors[:50]]


def require_valid(schema: dict[str, Any] | None, data: Any, *, what: str) -> None:
    """Raise InvalidInput with per-field details when `data` is too big, not an object, or violates `schema`."""
    if not isinstance(data, dict):
        raise InvalidInput(f"The {what} must be a JSON object", details=[{"field": "", "message": "not an object"}])
    size = len(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_DATA_BYTES:
        raise InvalidInput(f"The {what} is larger than {MAX_DATA_BYTES} bytes",
                           details=[{"field": "", "message": f"{size} bytes; at most {MAX_DATA_BYTES}"}])
    problems = list_problems(data) or schema_problems(schema, data)
    if problems:
        raise InvalidInput(f"The {what} is not valid", details=problems)


def output_mismatch(exc: InvalidInput) -> str:
    """require_valid's complaint about a task's output in one line (an action task fails with it)."""
    fields = "; ".join(f"{d.get('field') or '(root)'}: {d.get('message')}" for d in exc.details or [])
    return f"the output does not match the output schema ({fields})"


def output_problem(schema: dict[str, Any] | None, output: Any) -> str | None:
    """Why an output does not fit its output schema, or None: the runtime's check (require_valid), for the dry run."""
    try:
        require_valid(schema, output, what="output")
    except InvalidInput as exc:
        return output_mismatch(exc)
    return None

"""JSON Schema validation of user data with per-field problems (InvalidInput details)."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from tfai.domain.errors import InvalidInput
from tfai.domain.limits import MAX_DATA_BYTES

_FORMATS = FormatChecker()


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
        validator = Draft202012Validator(schema, format_checker=_FORMATS)
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
    problems = schema_problems(schema, data)
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
